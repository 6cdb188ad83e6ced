/**
 * `sante-pacs-server`: the config node holding one Sante PACS Server. It owns
 * the one SanteClient that all lookup nodes using it share (so the connection
 * limit is per PACS, not per node) and closes it on redeploy, which ends its
 * lookups in flight with SANTE_CLOSED. The token cache lives longer: it is per
 * PACS address and outlives redeploys (see glue/token-cache.ts). It also owns
 * the scheduler that polls for the studies its study nodes wait for (glue/server-waits.ts).
 */
import { SanteClient, SanteError, viewerUrl } from "../lib/sante";
import type { NodeAPI, NodeDef } from "./glue/node-red-types";
import { toSanteError } from "../lib/errors";
import type { SantePacsServer } from "./glue/server-node";
import { readCacheStore, readClientOptions, readWebSettings, type WebSettings } from "../lib/sante/server-settings";
import { registerTestConnection } from "./glue/test-connection";
import { tlsOptionsFrom } from "./glue/tls-options";
import type { HasContext } from "./glue/token-cache-context";
import { dropUnusedCachesAfterDeploys, openTokenCache, type RuntimeEvents, type TokenCache } from "./glue/token-cache";
import { serverWaits } from "./glue/server-waits";
import { watchWaitStores, type WaitRuntime } from "./glue/wait-store-lease";
import { CLIENT_DEFAULTS } from "../lib/sante/client-options";

/** What the runtime's RED offers beyond NodeAPI that this node reads: settings.js, the event bus and the log. */
type RuntimeExtras = {
  settings?: { contextStorage?: unknown; userDir?: unknown };
  events?: RuntimeEvents;
} & WaitRuntime;

export = function register(RED: NodeAPI): void {
  const runtime = RED as NodeAPI & RuntimeExtras;

  function SantePacsServerNode(this: SantePacsServer & HasContext, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    let client: SanteClient | undefined;
    let clientProblem: SanteError | undefined;
    let cache: TokenCache | undefined;
    let web: WebSettings | undefined;
    let webProblem: SanteError | undefined;
    let connections: number = CLIENT_DEFAULTS.connections;

    // A bad setting must not throw out of the constructor (Node-RED would mark
    // the whole flow as failed); it is reported once here and again by every
    // lookup, as SANTE_INVALID_INPUT a Catch node can handle.
    try {
      const options = readClientOptions(def);
      connections = options.connections ?? connections;
      client = new SanteClient({
        ...options,
        tls: tlsOptionsFrom(RED, def.tls),
        // Called once the options are checked: the cache needs a valid host, port and size.
        tokenStore: (options) => {
          cache = openTokenCache(
            { ...options, cacheStore: readCacheStore(def) },
            this.context().global,
            runtime.settings?.contextStorage,
          );
          if (cache.unknownStore !== undefined) {
            this.warn(RED._("sante-pacs-server.warnings.unknown-store", { store: cache.unknownStore }));
          }
          return cache.store;
        },
      });
    } catch (err) {
      cache?.release();
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
    const waits = serverWaits(
      runtime,
      () => this.getClient(),
      connections,
      (message) => this.warn(message),
    );
    this.waitScheduler = () => waits.scheduler();
    this.viewerUrlFor = (token) => {
      if (!web) throw webProblem ?? invalid(new Error("no web settings"));
      return viewerUrl({ ...web, token });
    };

    this.on("close", (_removed, done) => {
      cache?.release();
      // Polling stops before the client closes, so no wait counts the closing as a failed attempt.
      void waits
        .close()
        .then(() => client?.close())
        .then(done, done);
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
  dropUnusedCachesAfterDeploys(runtime.events);
  watchWaitStores(runtime);
};
