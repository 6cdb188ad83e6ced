import type { NodeStatus } from "./node-red-types";
import type { Node } from "./node-red-types";
import { ThrottledStatus } from "./throttled-status";
import type { Translate } from "./translate";

/**
 * What `hl7 in` shows under itself: a green dot with its port and open connections; a red ring with the last
 * problem (an error code, or a refused sender) in front of that until a message is acknowledged AA again; a
 * red ring with the code alone when it cannot listen at all. Never message content.
 */
export class ListenerStatus {
  private port: number | undefined;
  private connections = 0;
  private problem: string | undefined;
  private fatal: string | undefined;
  private readonly throttle: ThrottledStatus;

  constructor(
    node: Node,
    private readonly t: Translate,
  ) {
    this.throttle = new ThrottledStatus(node, () => this.render());
  }

  listening(port: number): void {
    this.port = port;
    this.throttle.show();
  }

  connectionCount(count: number): void {
    if (count === this.connections) return;
    this.connections = count;
    this.throttle.changed();
  }

  /** The last problem: an error code, or a short text. */
  failed(problem: string): void {
    this.problem = problem;
    this.throttle.changed();
  }

  /** A message was acknowledged AA: the last problem is over. */
  succeeded(): void {
    if (this.problem === undefined) return;
    this.problem = undefined;
    this.throttle.changed();
  }

  /** It cannot listen (invalid settings, port in use): shown at once, for good. */
  stopped(code: string): void {
    this.fatal = code;
    this.throttle.show();
  }

  dispose(): void {
    this.throttle.dispose();
  }

  private render(): NodeStatus {
    if (this.fatal !== undefined) return { fill: "red", shape: "ring", text: this.fatal };
    if (this.port === undefined) return {};
    const listening = this.t("status.listening", { port: this.port, count: this.connections });
    if (this.problem === undefined) return { fill: "green", shape: "dot", text: listening };
    return { fill: "red", shape: "ring", text: `${this.problem} · ${listening}` };
  }
}
