/**
 * `sante-hl7-in`: an MLLP listener, one HL7 message in → one msg out, acknowledged as lib/hl7-listener's policy
 * says: by default only once an `hl7 reply` node answers it. All protocol work is lib's; this file turns its
 * messages into msgs and its events into logs and status.
 */
import { toSanteError } from "../lib/errors";
import { messageTypeText, type Hl7Header } from "../lib/hl7";
import { Hl7Listener, readListenerOptions } from "../lib/hl7-listener";
import type { MllpPeer } from "../lib/mllp";
import { hl7Message } from "./glue/hl7-msg";
import type { Hl7InNode } from "./glue/listener-node";
import { ListenerStatus } from "./glue/listener-status";
import type { NodeAPI, NodeDef } from "./glue/node-red-types";
import { listenerTlsOptionsFrom } from "./glue/tls-options";
import { translator, type Translate } from "./glue/translate";

const from = (peer: MllpPeer) => `${peer.address}:${peer.port}`;
/** All a log line may say of a message: MSH-9 (type and trigger) and MSH-10, never its content. */
const named = (h: Hl7Header) => ({ type: messageTypeText(h), id: h.controlId });

export = function register(RED: NodeAPI): void {
  function SanteHl7InNode(this: Hl7InNode, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const t = translator(RED, "sante-hl7-in");
    const status = new ListenerStatus(this, t);
    let listener: Hl7Listener | undefined;
    try {
      listener = new Hl7Listener({ ...readListenerOptions(def), tls: listenerTlsOptionsFrom(RED, def.tls) });
    } catch (err) {
      const problem = toSanteError(err);
      this.error(t("errors.invalid-config", { reason: problem.message }));
      status.stopped(problem.code);
    }

    this.hl7Reply = (messageId, outcome) => {
      if (!listener) return { result: "closed" };
      const reply = listener.reply(messageId, outcome);
      if (reply.ack === "AA" && reply.result === "sent") status.succeeded();
      return reply;
    };
    if (listener) watch(this, listener, status, t);

    this.on("close", (_removed, done) => {
      status.dispose();
      // Messages still with the flow stay unanswered: their senders resend them to the new listener.
      if (!listener) return done();
      listener.close().then(done, done);
    });
  }

  /** Messages out as msgs; events to the log (node.warn for what an integrator must act on) and the status. */
  function watch(node: Hl7InNode, l: Hl7Listener, status: ListenerStatus, t: Translate): void {
    const connections = () => status.connectionCount(l.connectionCount);
    l.on("message", (m) => {
      try {
        node.send(hl7Message(m, node.id, RED.util.generateId()));
      } catch (err) {
        // A send that throws must not take the listener down; the reply timeout answers the message.
        node.error(toSanteError(err).message);
      }
      if (l.policy.ackMode === "on-receipt") status.succeeded();
    });
    l.on("duplicate", (h, peer, inProgress) =>
      node.log(t(inProgress ? "log.duplicate-waiting" : "log.duplicate", { ...named(h), from: from(peer) })),
    );
    l.on("timeout", (h, peer, ack) => {
      const key = ack === "AE" ? "log.timeout-ae" : "log.timeout-none";
      node.warn(t(key, { ...named(h), from: from(peer), ms: l.policy.replyTimeout }));
      status.failed("SANTE_TIMEOUT");
    });
    l.on("rejected", (r) => {
      const reason = t(`reasons.${r.reason}`);
      const ack = r.ack ?? t("log.no-ack");
      node.warn(
        t("log.rejected", { ack, from: from(r.peer), type: r.messageType || "?", id: r.controlId || "?", reason }),
      );
      status.failed("SANTE_INVALID_INPUT");
    });
    l.transport.on("connection", connections);
    l.transport.on("refused", (r) => {
      const reason = t(`reasons.${r.reason}`, { error: r.error?.message ?? "" });
      node.warn(t("log.refused", { from: `${r.address}:${r.port}`, reason }));
      status.failed(t("status.refused", { address: r.address }));
    });
    l.transport.on("skipped", (peer, bytes) => node.log(t("log.skipped", { count: bytes, from: from(peer) })));
    l.transport.on("disconnect", (peer, info) => {
      connections();
      if (info.reason === "framing") {
        node.warn(t("log.framing", { from: from(peer), reason: info.error?.message ?? "" }));
        status.failed("SANTE_PROTOCOL");
      } else if (info.unanswered > 0 && info.reason !== "server-closed") {
        node.log(t("log.unanswered", { count: info.unanswered, from: from(peer) }));
      }
    });
    l.transport.on("error", (err) => {
      node.error(t("errors.transport", { reason: err.message }));
      status.failed("SANTE_CONNECTION");
    });
    l.listen().then(
      (bound) => status.listening(bound.port),
      (err: unknown) => {
        const problem = toSanteError(err);
        node.error(t("errors.listen", { address: l.address, reason: problem.message }));
        status.stopped(problem.code);
      },
    );
  }

  RED.nodes.registerType("sante-hl7-in", SanteHl7InNode);
};
