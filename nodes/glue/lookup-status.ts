import type { Node, NodeStatus } from "./node-red-types";
import { toSanteError } from "../../lib/errors";
import { ThrottledStatus } from "./throttled-status";
import type { Translate } from "./translate";

/** Status text, translated only when it is shown: RED._ costs more than a cached lookup. */
export type StatusText = () => string;

/**
 * What a lookup node shows under itself: a blue ring with the number of its
 * lookups still waiting, else a green dot with the last result or a red ring
 * with the last error code. Never a token. Throttled (ThrottledStatus): the
 * latest state always shows, a little late at most.
 */
export class LookupStatus {
  /** The last outcome: a success's text (translated when shown) or a failure's code; kept without an object per message. */
  private lastText: StatusText | undefined;
  private lastCode: string | undefined;
  private backlog: (() => NodeStatus | undefined) | undefined;
  private count = 0;
  private readonly throttle: ThrottledStatus;

  constructor(
    node: Node,
    private readonly t: Translate,
  ) {
    this.throttle = new ThrottledStatus(node, () => this.current());
  }

  /** Called whenever the number of messages in flight changes. */
  pending(count: number): void {
    this.count = count;
    this.throttle.changed();
  }

  succeeded(text: StatusText): void {
    this.lastText = text;
    this.lastCode = undefined;
  }

  failed(code: string): void {
    this.lastText = undefined;
    this.lastCode = code;
  }

  /**
   * What the node keeps besides the messages in flight (sante-study-token's waits for images): `source` is asked
   * when the status is shown, so a count that changes thousands of times a second is read a few times at most, and
   * it shows instead of the last result while it returns something.
   */
  keeps(source: () => NodeStatus | undefined): void {
    this.backlog = source;
    this.throttle.changed();
  }

  /** What `keeps()` reports has changed: shown with the next update. */
  keptChanged(): void {
    this.throttle.changed();
  }

  /** A problem known before any message arrives, such as no server chosen: shown at once, from deploy on. */
  problem(code: string): void {
    this.failed(code);
    this.count = 0;
    this.throttle.show();
  }

  /** On close: nothing more to show, and no timer left behind. */
  dispose(): void {
    this.throttle.dispose();
  }

  private current(): NodeStatus {
    if (this.count > 0) return { fill: "blue", shape: "ring", text: this.t("status.waiting", { count: this.count }) };
    const kept = this.backlog?.();
    if (kept) return kept;
    if (this.lastCode !== undefined) return { fill: "red", shape: "ring", text: this.lastCode };
    return this.lastText ? { fill: "green", shape: "dot", text: this.lastText() } : {};
  }
}

/** A server whose settings are invalid fails every message; say so under the node at deploy, not at the first message. */
export function showConfigProblem(probe: () => unknown, status: LookupStatus): void {
  try {
    probe();
  } catch (err) {
    status.problem(toSanteError(err).code);
  }
}
