import type { Node, NodeStatus } from "./node-red-types";
import { toSanteError } from "../../lib/errors";
import type { Translate } from "./translate";

/**
 * At most one status update per this many milliseconds. A busy HL7 feed moves
 * the waiting count thousands of times a second; every update is an event the
 * runtime sends to each open editor, and a person reads a few per second at most.
 */
const MIN_INTERVAL_MS = 200;

/** Status text, translated only when it is shown: RED._ costs more than a cached lookup. */
export type StatusText = () => string;

/**
 * What a lookup node shows under itself: a blue ring with the number of its
 * lookups still waiting, else a green dot with the last result or a red ring
 * with the last error code. Never a token. The latest state always shows,
 * possibly up to MIN_INTERVAL_MS late.
 */
export class LookupStatus {
  /** The last outcome: a success's text (translated when shown) or a failure's code; kept without an object per message. */
  private lastText: StatusText | undefined;
  private lastCode: string | undefined;
  private backlog: (() => NodeStatus | undefined) | undefined;
  private count = 0;
  private wanted = false;
  private shownAt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly node: Node,
    private readonly t: Translate,
  ) {}

  /** Called whenever the number of messages in flight changes. */
  pending(count: number): void {
    this.count = count;
    this.show();
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
    this.show();
  }

  /** What `keeps()` reports has changed: shown with the next update. */
  keptChanged(): void {
    this.show();
  }

  /** A problem known before any message arrives, such as no server chosen. */
  problem(code: string): void {
    this.failed(code);
    this.count = 0;
    // Shown at once: it is there from deploy on, not the outcome of a message.
    this.dispose();
    this.wanted = true;
    this.flush();
  }

  /** On close: nothing more to show, and no timer left behind. */
  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.wanted = false;
  }

  private show(): void {
    this.wanted = true;
    if (this.timer) return;
    // Even after a quiet spell the update waits for the next turn of the event loop: a message handled at once
    // (a viewer link, a cached token) then shows its result only, not a "1 waiting" flash before it.
    const wait = Math.max(0, this.shownAt + MIN_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
  }

  private flush(): void {
    if (!this.wanted) return;
    this.shownAt = Date.now();
    this.node.status(this.current());
    this.wanted = false;
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
