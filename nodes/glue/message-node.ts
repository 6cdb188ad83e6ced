import { SanteError, toSanteError } from "../../lib/errors";
import { InFlight } from "../../lib/util/in-flight";
import { isPromise } from "../../lib/util/is-promise";
import type { Node, NodeAPI, NodeDef, NodeMessage } from "./node-red-types";
import { Backlog, type Job } from "./backlog";
import { INPUT_DEFAULT, inputReader, readPropertySpec } from "./input-property";
import { findServer, type SantePacsServer } from "./server-node";
import { LookupStatus, showConfigProblem, type StatusText } from "./lookup-status";
import { translator, type Translate } from "./translate";

/**
 * Messages a node works on at once; later ones wait in arrival order as a
 * plain queue entry. A backlog of 100,000 messages then costs a slot each, not
 * a promise chain each, and never overflows the client's own queue (SANTE_BUSY).
 */
export const WINDOW = 256;

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
 *
 * The path of one message is plain calls where it can be: a `msg` or `hl7`
 * property is read at once, a result that is not a promise is sent at once,
 * and a promise costs one `then` (its two callbacks are the only closures
 * made per message).
 */
export function setupMessageNode<R, C = SantePacsServer>(
  RED: NodeAPI,
  node: Node,
  def: NodeDef,
  adapter: NodeAdapter<R, C>,
): LookupStatus {
  const t = translator(RED, adapter.type);
  const status = new LookupStatus(node, t);
  const queued = new Backlog();
  const inFlight = new InFlight<Job>((count) => status.pending(count + queued.length));
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
  const input = inputReader(RED, node, spec, t);

  function start(job: Job): void {
    inFlight.start(job);
    if (setupProblem || !server) return fail(job, setupProblem);
    const use = server;
    let result: R | PromiseLike<R>;
    try {
      result = input.sync
        ? adapter.run(use, input.read(job.msg), job.msg)
        : // A message closed while its property was read asks nothing of its config node.
          input
            .read(job.msg)
            .then((value) => (inFlight.has(job) ? adapter.run(use, value, job.msg) : (undefined as R)));
    } catch (err) {
      return fail(job, err);
    }
    if (isPromise(result)) {
      result.then(
        (value: R) => succeed(job, value),
        (err: unknown) => fail(job, err),
      );
    } else succeed(job, result);
  }

  function succeed(job: Job, result: R): void {
    // Ended already (the node closed first): the message has had its SANTE_CLOSED and must not change any more.
    if (!inFlight.has(job)) return;
    const msg = job.msg;
    let prepared: Prepared;
    try {
      if (msg.santeError !== undefined) delete msg.santeError;
      prepared = adapter.prepare(msg, result, t);
    } catch (err) {
      return fail(job, err);
    }
    inFlight.end(job);
    const { out, status: text, port = 0 } = prepared;
    status.succeeded(text);
    node.send(port > 0 ? [...new Array<null>(port).fill(null), out] : Array.isArray(out) ? [out] : out);
    job.done();
    pump();
  }

  function fail(job: Job, err: unknown): void {
    if (!inFlight.end(job)) return;
    const error = toSanteError(err);
    status.failed(error.code);
    markFailed(job.msg, error);
    job.done(error);
    pump();
  }

  // A message that ends at once starts the next from inside pump(): the flag keeps that a loop, not a recursion.
  let pumping = false;
  function pump(): void {
    if (pumping) return;
    pumping = true;
    try {
      while (inFlight.size < WINDOW) {
        const job = queued.shift();
        if (!job) break;
        start(job);
      }
    } finally {
      pumping = false;
    }
  }

  function limit(): number | undefined {
    if (!server || setupProblem) return undefined;
    try {
      return adapter.queueLimit?.(server);
    } catch {
      return undefined;
    }
  }

  node.on("input", (msg, _send, done) => {
    // Nothing waits and there is room: no queue in between.
    if (queued.length === 0 && inFlight.size < WINDOW) return start({ msg, done });
    // The wait here counts against the server's queue limit, so memory stays bounded by it.
    const max = queued.length > 0 ? limit() : undefined;
    if (max !== undefined && queued.length >= max) {
      const busy = new SanteError("SANTE_BUSY", t("errors.busy", { count: queued.length }));
      status.failed(busy.code);
      markFailed(msg, busy);
      done(busy);
      return;
    }
    queued.push(msg, done);
    pump();
    if (queued.length > 0) status.pending(inFlight.size + queued.length);
  });

  node.on("close", (_removed, done) => {
    const closed = (job: Job) => {
      const err = new SanteError("SANTE_CLOSED", t("errors.closed"));
      markFailed(job.msg, err);
      job.done(err);
    };
    queued.drain(closed);
    inFlight.failAll(closed);
    status.dispose();
    done();
  });
  return status;
}
