import { SanteError, type SanteClient } from "../core";
import type { Node, NodeAPI, NodeDef, NodeMessage } from "../node-red-types";
import { toSanteError } from "./errors";
import { InFlight } from "./in-flight";
import { readPropertySpec, resolveInput } from "./input-property";
import { findServer } from "./server-node";
import { LookupStatus, showConfigProblem } from "./status";
import { translator, type Translate } from "./translate";

/** What differs between the study and the patient node; the rest of the Node-RED glue is here. */
export interface LookupAdapter<R> {
  /** The node type, which is also the message catalog's top key. */
  type: string;
  lookup(client: SanteClient, value: unknown): Promise<R>;
  /** The messages to send for a result (may throw: nothing has been sent yet) and the status text. */
  prepare(msg: NodeMessage, result: R, t: Translate): { out: NodeMessage | NodeMessage[]; status: string };
}

/**
 * Wires a lookup node: each input message resolves its property, asks the
 * config node's shared client, and ends exactly once, either sent on with the
 * result or done(err) with a SanteError whose code reaches Catch nodes.
 */
export function setupLookupNode<R>(RED: NodeAPI, node: Node, def: NodeDef, adapter: LookupAdapter<R>): void {
  const t = translator(RED, adapter.type);
  const status = new LookupStatus(node, t);
  const inFlight = new InFlight((count) => status.pending(count));
  const server = findServer(RED, def.server);
  let setupProblem: SanteError | undefined;
  let spec = { value: "payload", type: "msg" };
  try {
    spec = readPropertySpec(def, true);
  } catch (err) {
    setupProblem = toSanteError(err);
  }
  if (!server) setupProblem = new SanteError("SANTE_INVALID_INPUT", t("errors.no-server"));
  if (setupProblem) status.problem(setupProblem.code);
  else if (server) showConfigProblem(() => server.getClient(), status);

  node.on("input", (msg, send, done) => {
    const ticket = inFlight.start(done);
    const fail = (err: unknown) => {
      const error = toSanteError(err);
      ticket.fail(error, () => status.failed(error.code));
    };
    if (setupProblem || !server) return fail(setupProblem);
    resolveInput(RED, node, msg, spec, t)
      .then((value) => adapter.lookup(server.getClient(), value))
      .then((result) => {
        const { out, status: text } = adapter.prepare(msg, result, t);
        ticket.succeed(() => {
          status.succeeded(text);
          send(Array.isArray(out) ? [out] : out);
        });
      })
      .catch(fail);
  });

  node.on("close", (_removed, done) => {
    inFlight.failAll(() => new SanteError("SANTE_CLOSED", t("errors.closed")));
    status.dispose();
    done();
  });
}
