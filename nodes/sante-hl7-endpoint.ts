/**
 * `sante-hl7-endpoint`: the config node holding one HL7 receiver (a HIS/RIS's MLLP listener). It owns the one
 * MllpClient that every `sante-hl7-send` node using it shares, so the connection limit and the order of the
 * feed are per receiver, not per node; a redeploy closes it, ending the messages in flight with SANTE_CLOSED.
 */
import { SanteError, toSanteError } from "../lib/errors";
import { MllpClient } from "../lib/mllp";
import { readSenderOptions } from "../lib/mllp/sender-settings";
import type { SanteHl7Endpoint } from "./glue/endpoint-node";
import { registerEndpointTest } from "./glue/endpoint-test";
import type { NodeAPI, NodeDef } from "./glue/node-red-types";
import { tlsOptionsFrom } from "./glue/tls-options";

export = function register(RED: NodeAPI): void {
  function SanteHl7EndpointNode(this: SanteHl7Endpoint, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    let client: MllpClient | undefined;
    let problem: SanteError | undefined;
    // A bad setting must not throw out of the constructor (Node-RED would mark the whole flow as failed); it is
    // reported once here and again with every message, as SANTE_INVALID_INPUT a Catch node can handle.
    try {
      client = new MllpClient({ ...readSenderOptions(def), tls: tlsOptionsFrom(RED, def.tls) });
    } catch (err) {
      problem = new SanteError(
        "SANTE_INVALID_INPUT",
        RED._("sante-hl7-endpoint.errors.invalid-config", { reason: toSanteError(err).message }),
        { cause: err },
      );
      this.error(problem.message);
    }

    this.getClient = () => {
      if (client) return client;
      throw problem ?? new SanteError("SANTE_INVALID_INPUT", "Invalid HL7 endpoint configuration");
    };

    this.on("close", (_removed, done) => {
      if (!client) return done();
      client.close().then(done, done);
    });
  }

  RED.nodes.registerType("sante-hl7-endpoint", SanteHl7EndpointNode);
  registerEndpointTest(RED);
};
