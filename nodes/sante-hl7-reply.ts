/**
 * `sante-hl7-reply`: answers the message an `hl7 in` node sent (msg.hl7 names it) with an ACK, as `http response`
 * answers `http in`: AA when the msg carries no error, AE or AR with an ERR segment when it does. Each input
 * ends with done(); an answer that cannot be sent (already answered, sender gone, listener redeployed) is a
 * warning, never a catchable error, so that a Catch → hl7 reply wiring cannot loop. A message delivered by a
 * study lookup's durable wait was acknowledged when stored: answering it again is quietly skipped.
 */
import { findListener } from "./glue/listener-node";
import type { Node, NodeAPI, NodeDef } from "./glue/node-red-types";
import {
  deliveredByWait,
  ERROR_ACK_SETTINGS,
  outcomeOf,
  replyTarget,
  type ErrorAckSetting,
} from "./glue/reply-outcome";
import { ReplyStatus } from "./glue/reply-status";
import { translator } from "./glue/translate";

export = function register(RED: NodeAPI): void {
  function SanteHl7ReplyNode(this: Node, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const t = translator(RED, "sante-hl7-reply");
    const status = new ReplyStatus(this, t);
    const errorAck = (ERROR_ACK_SETTINGS as readonly unknown[]).includes(def.errorAck)
      ? (def.errorAck as ErrorAckSetting)
      : "auto";

    this.on("input", (msg, _send, done) => {
      const target = replyTarget(msg);
      const listener = target && findListener(RED, target.listenerId);
      // A message that a study lookup's durable wait delivers was acknowledged when it was stored (its "waiting"
      // output); reaching a reply again later, maybe after a restart, is the normal path of its result.
      const acknowledgedWhenStored = deliveredByWait(msg);
      if (acknowledgedWhenStored && (!target || !listener)) {
        status.quiet("status.waited");
        return done();
      }
      if (!target || !listener) {
        this.warn(t(target ? "warnings.no-listener" : "warnings.no-hl7"));
        status.notSent();
        return done();
      }
      const outcome = outcomeOf(msg, errorAck);
      const { result, ack } = listener.hl7Reply(target.messageId, outcome);
      const hl7 = msg.hl7 as { controlId?: unknown };
      const id = typeof hl7.controlId === "string" ? hl7.controlId : "?";
      if (result === "sent") {
        status.sent(ack ?? "", outcome.error?.code);
      } else if (result === "not-requested" || result === "on-receipt") {
        status.quiet(`status.${result}`);
      } else if (acknowledgedWhenStored && result !== "gone") {
        status.quiet("status.waited");
      } else {
        this.warn(t(`warnings.${result}`, { id }));
        status.notSent();
      }
      done();
    });

    this.on("close", (_removed, done) => {
      status.dispose();
      done();
    });
  }

  RED.nodes.registerType("sante-hl7-reply", SanteHl7ReplyNode);
};
