import type { Node, NodeStatus } from "./node-red-types";
import { ThrottledStatus } from "./throttled-status";
import type { Translate } from "./translate";

/** Answers with nothing sent that are no problem: none asked for, answered on receipt, or when a wait stored it. */
type QuietKey = "status.not-requested" | "status.on-receipt" | "status.waited";

/**
 * What `hl7 reply` shows under itself: the last acknowledgement it sent (a green dot with AA, a red ring with
 * AE or AR and the error code), or a yellow ring when its last answer could not be sent.
 */
export class ReplyStatus {
  /** The last answer: an ACK code (with the error code), or a catalog key for one with nothing sent. */
  private ack = "";
  private code: string | undefined;
  private key: QuietKey | "status.not-sent" | undefined;
  private readonly throttle: ThrottledStatus;

  constructor(
    node: Node,
    private readonly t: Translate,
  ) {
    this.throttle = new ThrottledStatus(node, () => this.render());
  }

  sent(ack: string, code: string | undefined): void {
    this.set(ack, code, undefined);
  }

  /** Answered with nothing to send (the sender asked for none, the listener answered on receipt, a wait stored it). */
  quiet(key: QuietKey): void {
    this.set("", undefined, key);
  }

  notSent(): void {
    this.set("", undefined, "status.not-sent");
  }

  dispose(): void {
    this.throttle.dispose();
  }

  // Fields, not a closure per answer: the reply node may answer thousands of messages a second.
  private set(ack: string, code: string | undefined, key: ReplyStatus["key"]): void {
    this.ack = ack;
    this.code = code;
    this.key = key;
    this.throttle.changed();
  }

  private render(): NodeStatus {
    if (this.key === "status.not-sent") return { fill: "yellow", shape: "ring", text: this.t(this.key) };
    if (this.key !== undefined) return { fill: "green", shape: "ring", text: this.t(this.key) };
    if (this.ack === "") return {};
    if (this.ack === "AA") return { fill: "green", shape: "dot", text: this.ack };
    return { fill: "red", shape: "ring", text: this.code ? `${this.ack} ${this.code}` : this.ack };
  }
}
