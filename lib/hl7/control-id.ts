/*
 * Message control IDs (MSH-10) for the messages we write: unique within a process and across restarts, without
 * any state on disk, and at most 20 characters (MSH-10 is ST(20) up to v2.6).
 *
 *   time (ms, base 36, 8–9 chars) + counter (base 36, 4 chars) + process tag (random, base 36, 5 chars)
 *
 * Within a process the time never goes back (a clock set back is held at the last time used) and the counter
 * tells IDs of the same millisecond apart (1,679,616 of them before it wraps, and it only wraps if the clock
 * also stood still). Across restarts and processes, the time differs or the random tag does (1 in 60 million that
 * two processes started in the same millisecond share one). Upper-case letters and digits only: no delimiter,
 * nothing to escape, readable in a log. IDs of one process sort by time.
 */
import { createHash, randomInt } from "node:crypto";
import { SanteError } from "../errors";

export interface ControlIdGenerator {
  /** A new control ID. */
  next(): string;
}

export interface ControlIdOptions {
  /** Up to 2 upper-case letters or digits put first, to tell our IDs apart in a log (default none). */
  readonly prefix?: string;
  /** The clock, for tests (default Date.now). */
  readonly now?: () => number;
}

const COUNTER_SPACE = 36 ** 4;
/** MSH-10 is ST(20) up to v2.6: an ID no longer than this is taken by every receiver. */
const MAX_CONTROL_ID_LENGTH = 20;
/** Put before an order's control ID to make its result's: tells the two apart in a log, and at a receiver that sees both. */
const DERIVED_CONTROL_ID_PREFIX = "R";

/** A generator of its own (own counter and tag). Throws SANTE_INVALID_INPUT for a bad prefix. */
export function createControlIdGenerator(options: ControlIdOptions = {}): ControlIdGenerator {
  const prefix = options.prefix ?? "";
  if (typeof prefix !== "string" || !/^[A-Z0-9]{0,2}$/.test(prefix)) {
    throw new SanteError("SANTE_INVALID_INPUT", "A control ID prefix is up to 2 upper-case letters or digits");
  }
  const now = options.now ?? Date.now;
  const tag = randomInt(36 ** 5)
    .toString(36)
    .padStart(5, "0")
    .toUpperCase();
  let last = 0;
  let counter = 0;
  // prefix + the time, written once per millisecond: a busy listener asks for an ID per ACK.
  let head = "";
  return {
    next(): string {
      const time = Math.max(last, now());
      if (time !== last || head === "") head = prefix + time.toString(36).toUpperCase();
      last = time;
      counter = (counter + 1) % COUNTER_SPACE;
      return head + counter.toString(36).padStart(4, "0").toUpperCase() + tag;
    },
  };
}

const shared = createControlIdGenerator();

/** A new control ID from the process-wide generator. */
export function nextControlId(): string {
  return shared.next();
}

/**
 * The control ID of a message written in answer to the message with `controlId` (a result for an order): the same
 * each time, so that a receiver dropping duplicates by MSH-10 drops a result built again for a resent order (a
 * crash between sending the result and acknowledging the order). `R` + the ID when that fits in 20 characters and
 * the ID has only letters, digits, `.`, `-` and `_` (nothing a writer escapes, which would lengthen it); otherwise
 * `R` + 19 base-36 characters of its SHA-256: cutting a longer ID would give one result ID to orders whose IDs
 * differ only at the end (a time and a counter), which a digest does not (98 bits). Throws SANTE_INVALID_INPUT
 * for an empty ID.
 */
export function derivedControlId(controlId: string): string {
  if (typeof controlId !== "string" || controlId === "") {
    throw new SanteError("SANTE_INVALID_INPUT", "There is no control ID (MSH-10) to derive one from");
  }
  const room = MAX_CONTROL_ID_LENGTH - DERIVED_CONTROL_ID_PREFIX.length;
  if (controlId.length <= room && /^[A-Za-z0-9._-]+$/.test(controlId)) return DERIVED_CONTROL_ID_PREFIX + controlId;
  const digest = BigInt(`0x${createHash("sha256").update(controlId, "utf8").digest("hex")}`);
  // The last digits: the first digit of a base-36 number is not evenly spread.
  return DERIVED_CONTROL_ID_PREFIX + digest.toString(36).toUpperCase().slice(-room).padStart(room, "0");
}
