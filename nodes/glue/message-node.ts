import { SanteError, toSanteError } from "../../lib/errors";
import { Fifo } from "../../lib/util/fifo";
import { InFlight } from "../../lib/util/in-flight";
import type { DoneFunction, Node, NodeAPI, NodeDef, NodeMessage, SendFunction } from "./node-red-types";
import { INPUT_DEFAULT, readPropertySpec, resolveInput } from "./input-property";
import { findServer, type SantePacsServer } from "./server-node";
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

/**
 * What differs between our message-handling nodes; the Node-RED glue they share is here. `C` is the config
 * node the node works with: by default the `sante-pacs-server` its `server` property names.
 */
export interface NodeAdapter<R, C = SantePacsServer> {
  /** The node type, which is also the message catalog's top key. */
  type: string;
  /** Whether the input property may be an HL7 field path. */
  allowHl7: boolean;
  /** The config node `def` names (undefined: none chosen, or not deployed). Default: findServer on def.server. */
  config?(RED: NodeAPI, def: NodeDef): C | undefined;
  /** Throws what keeps `config` from serving this node (an invalid configuration), so it shows at deploy. */
  probe(config: C): void;
  /** Most messages that may wait for this node, or undefined for no limit of its own. */
  queueLimit?(config: C): number | undefined;
  /** The work for one message's input value (`msg`: the message itself, for work that keeps it). */
  run(config: C, value: unknown, msg: NodeMessage): R | Promise<R>;
  /** The messages to send for a result (may throw: nothing has been sent yet) and the status text. */
  prepare(msg: NodeMessage, result: R, t: Translate): Prepared;
}

export interface Prepared {
  out: NodeMessage | NodeMessage[];
  status: StatusText;
  /** The output the messages leave by, from 0 (the default): sante-study-token's "waiting" is its second. */
  port?: number;
}

/** The parts the study and patient nodes share: HL7 input allowed, and the client's configuration and queue limit. */
export function lookupAdapter(type: string): Pick<NodeAdapter<unknown>, "type" | "allowHl7" | "probe" | "queueLimit"> {
  return {
    type,
    allowHl7: true,
    probe: (server) => void server.getClient(),
    queueLimit: (server) => server.getClient().queueLimit,
  };
}

/**
 * Node-RED before 4.1 does not copy an error's own `code` to the Catch node's
 * `msg.error`, so the code also travels on the message itself (documented in
 * the README's error codes); a message that later succeeds loses it again.
 */
export function markFailed(msg: NodeMessage, err: SanteError): void {
  msg.santeError = { code: err.code, message: err.message };
}

/**
 * Wires one of our message-handling nodes: each input message resolves its
 * property, runs the adapter with the config node, and ends exactly once,
 * either sent on with the result or done(err) with a SanteError whose code
 * reaches Catch nodes, also when the node is closed with messages in hand.
 * Returns the node's status, for what a node shows besides its messages.
 */
export function setupMessageNode<R, C = SantePacsServer>(
  RED: NodeAPI,
  node: Node,
  def: NodeDef,
  adapter: NodeAdapter<R, C>,
): LookupStatus {
  const t = translator(RED, adapter.type);
  const status = new LookupStatus(node, t);
  const queued = new Fifo<Input>();
  const inFlight = new InFlight((count) => status.pending(count + queued.length));
  // A config node of another type is the adapter's to find; ours by default.
  const server = adapter.config ? adapter.config(RED, def) : (findServer(RED, def.server) as C | undefined);
  let setupProblem: SanteError | undefined;
  let spec = INPUT_DEFAULT;
  try {
    spec = readPropertySpec(def, adapter.allowHl7);
  } catch (err) {
    setupProblem = toSanteError(err);
  }
  if (!server) setupProblem = new SanteError("SANTE_INVALID_INPUT", t("errors.no-server"));
  if (setupProblem) status.problem(setupProblem.code);
  else if (server) showConfigProblem(() => adapter.probe(server), status);

  const handle = ({ msg, send, done }: Input): void => {
    let ended = false;
    const ticket = inFlight.start((err) => {
      ended = true;
      if (err) markFailed(msg, err);
      done(err);
    });
    const fail = (err: unknown) => {
      const error = toSanteError(err);
      ticket.fail(error, () => status.failed(error.code));
    };
    if (setupProblem || !server) return fail(setupProblem);
    resolveInput(RED, node, msg, spec, t)
      .then((value) => adapter.run(server, value, msg))
      .then((result) => {
        // Ended already (the node closed first): the message has had its SANTE_CLOSED and must not change any more.
        if (ended) return;
        if (msg.santeError !== undefined) delete msg.santeError;
        const { out, status: text, port = 0 } = adapter.prepare(msg, result, t);
        ticket.succeed(() => {
          status.succeeded(text);
          send(port > 0 ? [...new Array<null>(port).fill(null), out] : Array.isArray(out) ? [out] : out);
        });
      })
      .catch(fail)
      .finally(pump);
  };

  function pump(): void {
    while (inFlight.size < WINDOW && queued.length > 0) handle(queued.shift() as Input);
  }

  function limit(): number | undefined {
    if (!server || setupProblem) return undefined;
    try {
      return adapter.queueLimit?.(server);
    } catch {
      return undefined;
    }
  }

  node.on("input", (msg, send, done) => {
    // The wait here counts against the server's queue limit, so memory stays bounded by it.
    const max = queued.length > 0 ? limit() : undefined;
    if (max !== undefined && queued.length >= max) {
      const busy = new SanteError("SANTE_BUSY", t("errors.busy", { count: queued.length }));
      status.failed(busy.code);
      markFailed(msg, busy);
      done(busy);
      return;
    }
    queued.push({ msg, send, done });
    pump();
    if (queued.length > 0) status.pending(inFlight.size + queued.length);
  });

  node.on("close", (_removed, done) => {
    const closed = () => new SanteError("SANTE_CLOSED", t("errors.closed"));
    queued.drain((input) => {
      const err = closed();
      markFailed(input.msg, err);
      input.done(err);
    });
    inFlight.failAll(closed);
    status.dispose();
    done();
  });
  return status;
}
