import type { Node, NodeStatus } from "./node-red-types";
import { ThrottledStatus } from "./throttled-status";
import type { Translate } from "./translate";

/**
 * What `hl7 reply` shows under itself: the last acknowledgement it sent (a green dot with AA, a red ring with
 * AE or AR and the error code), or a yellow ring when its last answer could not be sent.
 */
export class ReplyStatus {
  private last: (() => NodeStatus) | undefined;
  private readonly throttle: ThrottledStatus;

  constructor(
    node: Node,
    private readonly t: Translate,
  ) {
    this.throttle = new ThrottledStatus(node, () => this.last?.() ?? {});
  }

  sent(ack: string, code: string | undefined): void {
    this.set(() =>
      ack === "AA"
        ? { fill: "green", shape: "dot", text: ack }
        : { fill: "red", shape: "ring", text: code ? `${ack} ${code}` : ack },
    );
  }

  /** Answered with nothing to send (the sender asked for none, or the listener answered on receipt). */
  quiet(key: "status.not-requested" | "status.on-receipt"): void {
    this.set(() => ({ fill: "green", shape: "ring", text: this.t(key) }));
  }

  notSent(): void {
    this.set(() => ({ fill: "yellow", shape: "ring", text: this.t("status.not-sent") }));
  }

  dispose(): void {
    this.throttle.dispose();
  }

  private set(render: () => NodeStatus): void {
    this.last = render;
    this.throttle.changed();
  }
}
