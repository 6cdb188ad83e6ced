/**
 * `sante-pacs-server`: the config node holding one Sante PACS Server. It owns
 * the one SanteClient that all lookup nodes using it share (so the connection
 * limit and the token cache are per PACS, not per node) and closes it on
 * redeploy, which ends its lookups in flight with SANTE_CLOSED.
 */
import { SanteClient, SanteError, viewerUrl } from "./core";
import type { NodeAPI, NodeDef } from "./node-red-types";
import { toSanteError } from "./shared/errors";
import type { SantePacsServer } from "./shared/server-node";
import { readClientOptions, readWebSettings, type WebSettings } from "./shared/server-settings";
import { registerTestConnection } from "./shared/test-connection";
import { tlsOptionsFrom } from "./shared/tls-options";

export = function register(RED: NodeAPI): void {
  function SantePacsServerNode(this: SantePacsServer, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    let client: SanteClient | undefined;
    let clientProblem: SanteError | undefined;
    let web: WebSettings | undefined;
    let webProblem: SanteError | undefined;

    // A bad setting must not throw out of the constructor (Node-RED would mark
    // the whole flow as failed); it is reported once here and again by every
    // lookup, as SANTE_INVALID_INPUT a Catch node can handle.
    try {
      client = new SanteClient({ ...readClientOptions(def), tls: tlsOptionsFrom(RED, def.tls) });
    } catch (err) {
      clientProblem = invalid(err);
      this.error(clientProblem.message);
    }
    try {
      web = readWebSettings(def);
    } catch (err) {
      webProblem = invalid(err);
      this.error(webProblem.message);
    }

    this.getClient = () => {
      if (client) return client;
      throw clientProblem ?? invalid(new Error("no client"));
    };
    this.viewerUrlFor = (token) => {
      if (!web) throw webProblem ?? invalid(new Error("no web settings"));
      return viewerUrl({ ...web, token });
    };

    this.on("close", (_removed, done) => {
      if (!client) return done();
      client.close().then(done, done);
    });
  }

  function invalid(err: unknown): SanteError {
    const reason = toSanteError(err);
    return new SanteError(
      "SANTE_INVALID_INPUT",
      RED._("sante-pacs-server.errors.invalid-config", { reason: reason.message }),
      {
        cause: err,
      },
    );
  }

  RED.nodes.registerType("sante-pacs-server", SantePacsServerNode);
  registerTestConnection(RED);
};
