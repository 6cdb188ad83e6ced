/**
 * `sante-hl7-in`: an MLLP listener, one HL7 message in → one msg out, acknowledged as lib/hl7-listener's policy
 * says: by default only once an `hl7 reply` node answers it. All protocol work is lib's; this file turns its
 * messages into msgs and its events into logs and status.
 */
import { toSanteError } from "../lib/errors";
import type { Hl7Header } from "../lib/hl7";
import { Hl7Listener, readListenerOptions, type Hl7Inbound, type Hl7Rejection } from "../lib/hl7-listener";
import type { MllpDisconnect, MllpPeer, MllpRefusal } from "../lib/mllp";
import type { Hl7InNode } from "./glue/listener-node";
import { ListenerStatus } from "./glue/listener-status";
import type { NodeAPI, NodeDef, NodeMessage } from "./glue/node-red-types";
import { listenerTlsOptionsFrom } from "./glue/tls-options";
import { translator } from "./glue/translate";

export = function register(RED: NodeAPI): void {
  function SanteHl7InNode(this: Hl7InNode, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
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

    if (listener) watch(listener);

    function watch(l: Hl7Listener): void {
      const from = (peer: MllpPeer) => `${peer.address}:${peer.port}`;
      const named = (h: Hl7Header) => ({ type: [h.messageType, h.triggerEvent].filter(Boolean).join("^"), id: h.controlId });
      const connections = () => status.connectionCount(l.connectionCount);

      l.on("message", (m) => {
        try {
          node.send(toMsg(m));
        } catch (err) {
          // A send that throws (a broken wire) must not take the listener down; the reply timeout answers it.
          node.error(toSanteError(err).message);
        }
        if (l.policy.ackMode === "on-receipt") status.succeeded();
      });
      l.on("duplicate", (h, peer, inProgress) =>
        node.log(t(inProgress ? "log.duplicate-waiting" : "log.duplicate", { ...named(h), from: from(peer) })),
      );
      l.on("timeout", (h, peer, ack) => {
        node.warn(t(ack === "AE" ? "log.timeout-ae" : "log.timeout-none", { ...named(h), from: from(peer), ms: l.policy.replyTimeout }));
        status.failed("SANTE_TIMEOUT");
      });
      l.on("rejected", (r: Hl7Rejection) => {
        node.warn(
          t("log.rejected", {
            ack: r.ack ?? t("log.no-ack"),
            from: from(r.peer),
            type: r.messageType || "?",
            id: r.controlId || "?",
            reason: t(`reasons.${r.reason}`),
          }),
        );
        status.failed("SANTE_INVALID_INPUT");
      });
      l.transport.on("connection", connections);
      l.transport.on("refused", (r: MllpRefusal) => {
        const reason = t(`reasons.${r.reason}`, { error: r.error?.message ?? "" });
        node.warn(t("log.refused", { from: `${r.address}:${r.port}`, reason }));
        status.failed(t("status.refused", { address: r.address }));
      });
      l.transport.on("skipped", (peer, bytes) => node.log(t("log.skipped", { count: bytes, from: from(peer) })));
      l.transport.on("disconnect", (peer, info: MllpDisconnect) => {
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

    function toMsg(m: Hl7Inbound): NodeMessage {
      const h = m.header;
      const component = h.delimiters.component ?? "^";
      return {
        _msgid: RED.util.generateId(),
        payload: m.text,
        // MSH-9 as written: ORM^O01^ORM_O01, or ADT^A08 when the message has no structure ID.
        topic: trimEnd([h.messageType, h.triggerEvent, h.messageStructure].join(component), component),
        hl7: {
          ...h,
          message: m.text,
          listenerId: node.id,
          messageId: m.id,
          peer: { address: m.peer.address, port: m.peer.port, tls: m.peer.tls },
        },
      };
    }

    this.on("close", (_removed, done) => {
      status.dispose();
      // Messages still with the flow stay unanswered: their senders resend them to the new listener.
      if (!listener) return done();
      listener.close().then(done, done);
    });
  }

  function trimEnd(text: string, c: string): string {
    let end = text.length;
    while (end > 0 && text[end - 1] === c) end--;
    return text.slice(0, end);
  }

  RED.nodes.registerType("sante-hl7-in", SanteHl7InNode);
};
