import { Fifo } from "../../lib/util/fifo";
import type { DoneFunction, NodeMessage } from "./node-red-types";

/** A message a node is handling: what it takes to end it (node.send sends, so Node-RED's send closure is not kept). */
export interface Job {
  readonly msg: NodeMessage;
  readonly done: DoneFunction;
}

/**
 * The messages waiting for a node's window, oldest first. A backlog may be
 * 100,000 messages long, and V8 lets the heap grow to a multiple of what is
 * live, so a waiting message holds only what it must to end: the message and
 * Node-RED's done, in two queue slots, with no object of its own until it
 * leaves the backlog.
 */
export class Backlog {
  private readonly msgs = new Fifo<NodeMessage>();
  private readonly dones = new Fifo<DoneFunction>();

  get length(): number {
    return this.msgs.length;
  }

  push(msg: NodeMessage, done: DoneFunction): void {
    this.msgs.push(msg);
    this.dones.push(done);
  }

  /** The oldest waiting message as a Job, or undefined when none waits. */
  shift(): Job | undefined {
    const msg = this.msgs.shift();
    const done = this.dones.shift();
    return msg === undefined || done === undefined ? undefined : { msg, done };
  }

  /** Empties the backlog, handing each message to `fn`, oldest first. */
  drain(fn: (job: Job) => void): void {
    const dones: DoneFunction[] = [];
    this.dones.drain((done) => dones.push(done));
    let k = 0;
    this.msgs.drain((msg) => fn({ msg, done: dones[k++] }));
  }
}
