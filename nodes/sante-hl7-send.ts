/**
 * `sante-hl7-send`: sends msg.payload (an HL7 message) to the receiver of its `sante-hl7-endpoint` over MLLP
 * and waits for the ACK matched to its MSH-10, like `http request` waits for its response. All transport work
 * is the endpoint's MllpClient (lib/mllp); this file only maps its outcome onto the message.
 */
import { setMaxListeners } from "node:events";
import { SanteError, toSanteError } from "../lib/errors";
import { Hl7AckError, type MllpAck } from "../lib/mllp";
import { findEndpoint, type SanteHl7Endpoint } from "./glue/endpoint-node";
import { setupMessageNode } from "./glue/message-node";
import type { Node, NodeAPI, NodeDef } from "./glue/node-red-types";
import { typeName } from "./glue/output-property";

/** How one send ended: an ACK of any code, or an error (with the ACK for an AE/AR). */
interface Outcome {
  ack?: MllpAck;
  error?: SanteError;
}

export = function register(RED: NodeAPI): void {
  function SanteHl7SendNode(this: Node, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    // Messages this node handed to the shared client and that still wait for a connection are withdrawn when
    // the node closes: the node has ended them with SANTE_CLOSED, so they must not reach the receiver after.
    const withdraw = new AbortController();
    // One listener per message in the client's hands (up to the glue's window), not a leak.
    setMaxListeners(0, withdraw.signal);
    this.on("close", (_removed, done) => {
      withdraw.abort();
      done();
    });
    // The message is msg.payload, as for the core tcp request and http request nodes.
    setupMessageNode<Outcome, SanteHl7Endpoint>(
      RED,
      this,
      { ...def, property: "payload", propertyType: "msg" },
      {
        type: "sante-hl7-send",
        allowHl7: false,
        config: (api, d) => findEndpoint(api, d.endpoint),
        probe: (endpoint) => void endpoint.getClient(),
        queueLimit: (endpoint) => endpoint.getClient().queueLimit,
        run: (endpoint, payload) => {
          if (typeof payload !== "string" && !Buffer.isBuffer(payload)) {
            const type = typeName(payload);
            throw new SanteError("SANTE_INVALID_INPUT", RED._("sante-hl7-send.errors.hl7-payload", { type }));
          }
          // An AE or AR is an error that carries its ACK: it is settled here so that prepare() can put the ACK on
          // the very message a Catch node receives.
          return endpoint
            .getClient()
            .send(payload, { signal: withdraw.signal })
            .then(
              (ack): Outcome => ({ ack }),
              (err: unknown): Outcome => ({
                error: toSanteError(err),
                ...(err instanceof Hl7AckError ? { ack: err.ack } : {}),
              }),
            );
        },
        prepare: (msg, { ack, error }) => {
          if (ack) msg.ack = { code: ack.code, controlId: ack.controlId, text: ack.text };
          else delete msg.ack;
          if (error) throw error;
          return { out: msg, status: () => ack?.code ?? "" };
        },
      },
    );
  }

  RED.nodes.registerType("sante-hl7-send", SanteHl7SendNode);
};
