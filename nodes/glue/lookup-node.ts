import { SanteError, type SanteClient } from "../../lib/sante";
import { Fifo } from "../../lib/util/fifo";
import type { DoneFunction, Node, NodeAPI, NodeDef, NodeMessage, SendFunction } from "./node-red-types";
import { toSanteError } from "../../lib/errors";
import { InFlight } from "../../lib/util/in-flight";
import { readPropertySpec, resolveInput } from "./input-property";
import { findServer } from "./server-node";
import { LookupStatus, showConfigProblem, type StatusText } from "./status";
import { translator, type Translate } from "./translate";

/**
 * Messages a node works on at once; later ones wait in arrival order as a
 * plain queue entry. A backlog of 100,000 messages then costs a slot each, not
 * a promise chain each, and never overflows the client's own queue (SANTE_BUSY).
 */
export const WINDOW = 256;

interface Input {
  msg: NodeMessage;
  send: SendFunction;
  done: DoneFunction;
}

function tryClient(server: { getClient(): SanteClient }): SanteClient | undefined {
  try {
    return server.getClient();
  } catch {
    return undefined;
  }
}

/** What differs between the study and the patient node; the rest of the Node-RED glue is here. */
export interface LookupAdapter<R> {
  /** The node type, which is also the message catalog's top key. */
  type: string;
  lookup(client: SanteClient, value: unknown): Promise<R>;
  /** The messages to send for a result (may throw: nothing has been sent yet) and the status text. */
  prepare(msg: NodeMessage, result: R, t: Translate): { out: NodeMessage | NodeMessage[]; status: StatusText };
}

/**
 * Wires a lookup node: each input message resolves its property, asks the
 * config node's shared client, and ends exactly once, either sent on with the
 * result or done(err) with a SanteError whose code reaches Catch nodes.
 */
export function setupLookupNode<R>(RED: NodeAPI, node: Node, def: NodeDef, adapter: LookupAdapter<R>): void {
  const t = translator(RED, adapter.type);
  const status = new LookupStatus(node, t);
  const queued = new Fifo<Input>();
  const inFlight = new InFlight((count) => status.pending(count + queued.length));
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

  const handle = ({ msg, send, done }: Input): void => {
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
      .catch(fail)
      .finally(pump);
  };

  function pump(): void {
    while (inFlight.size < WINDOW && queued.length > 0) handle(queued.shift() as Input);
  }

  node.on("input", (msg, send, done) => {
    // The wait here counts against the server's queue limit, so memory stays bounded by it.
    const client = server && !setupProblem ? tryClient(server) : undefined;
    if (client && queued.length >= client.queueLimit) {
      const busy = new SanteError(
        "SANTE_BUSY",
        `${queued.length} messages already wait for ${client.address}; try again later`,
      );
      status.failed(busy.code);
      done(busy);
      return;
    }
    queued.push({ msg, send, done });
    pump();
    if (queued.length > 0) status.pending(inFlight.size + queued.length);
  });

  node.on("close", (_removed, done) => {
    const closed = () => new SanteError("SANTE_CLOSED", t("errors.closed"));
    queued.drain((input) => input.done(closed()));
    inFlight.failAll(closed);
    status.dispose();
    done();
  });
}
