/*
 * Headers read and plain acknowledgements written for a feed, at the speed of a busy listener. A sender's messages
 * share their MSH apart from MSH-7 (the time) and MSH-10 (the control ID), so the header is read once per
 * distinct rest of the MSH (readHl7Header) and only those two fields are taken from each message; and an AA or CA
 * for such a header is written once (buildAck) as a template in which each message fills in its time, the ACK's
 * own control ID and MSA-2. Both give exactly what readHl7Header and buildAck give (a property test holds them to
 * it); anything unusual (an escape, a space or a delimiter in MSH-7 or MSH-10, no MSH first) takes the plain path.
 */
import {
  buildAck,
  escapeHl7Text,
  hl7Timestamp,
  nextControlId,
  parseHl7Message,
  readHl7Header,
  type AckCode,
  type Hl7Delimiters,
  type Hl7Header,
} from "../hl7";
import { copyHl7Header } from "./copy-header";

/** Distinct MSH shapes remembered: a listener has a few to a few tens of senders, each with a few message types. */
const SHAPES = 256;

/** Stand-ins that buildAck writes unchanged, found again in its output: letters only, so never escaped. */
const MARK_CONTROL_ID = "QZSANTEACKIDQZ";
const MARK_MSA_2 = "QZSANTEMSAIDQZ";
const MARK_TIME = new Date(Date.UTC(1901, 0, 2, 3, 4, 5));

/** An AA or CA split where a message's own values go: head + time + middle + ACK id + tail + MSA-2 + end. */
interface AckTemplate {
  readonly parts: readonly [string, string, string, string];
  readonly delimiters: Hl7Delimiters;
}

interface Shape {
  readonly header: Hl7Header;
  readonly acks: Map<AckCode, AckTemplate | null>;
}

/** A message's header, and its acknowledgements as buildAck(header, code, options) writes them. */
export interface FeedHeader {
  readonly header: Hl7Header;
  /** An ACK without an ERR segment (AA, CA); `options` for tests, as buildAck's. */
  plainAck(code: "AA" | "CA", options?: { controlId?: string; now?: Date }): string;
}

export class FeedHeaders {
  /** By the MSH without its MSH-7 and MSH-10; the oldest shape is forgotten first (a Map keeps insertion order). */
  private readonly shapes = new Map<string, Shape>();
  private clock = { second: NaN, timestamp: "" };

  /** readHl7Header(text), and the plain ACKs for it. Throws as readHl7Header does. */
  read(text: string): FeedHeader {
    const msh = mshLayout(text);
    if (msh === undefined) return plain(readHl7Header(text));
    const time = text.slice(msh.timeStart, msh.timeEnd);
    const controlId = text.slice(msh.idStart, msh.idEnd);
    if (!isPlainValue(time, msh.encoding) || !isPlainValue(controlId, msh.encoding)) return plain(readHl7Header(text));
    const key = text.slice(0, msh.timeStart) + text.slice(msh.timeEnd, msh.idStart) + text.slice(msh.idEnd, msh.end);
    let shape = this.shapes.get(key);
    if (shape === undefined) {
      const header = readHl7Header(text);
      shape = { header: { ...header, dateTime: "", controlId: "" }, acks: new Map() };
      if (this.shapes.size >= SHAPES) this.shapes.delete(this.shapes.keys().next().value as string);
      this.shapes.set(key, shape);
    }
    const header = copyHl7Header(shape.header, time, controlId);
    const known = shape;
    return { header, plainAck: (code, options) => this.fromTemplate(known, header, code, options) };
  }

  private fromTemplate(
    shape: Shape,
    header: Hl7Header,
    code: "AA" | "CA",
    options: { controlId?: string; now?: Date } = {},
  ): string {
    let template = shape.acks.get(code);
    if (template === undefined) {
      template = makeTemplate(shape.header, code);
      shape.acks.set(code, template);
    }
    if (template === null) return buildAck(header, code, options);
    const [head, middle, tail, end] = template.parts;
    return (
      head +
      (options.now ? hl7Timestamp(options.now) : this.now()) +
      middle +
      (options.controlId ?? nextControlId()) +
      tail +
      escapeHl7Text(header.controlId, template.delimiters) +
      end
    );
  }

  /** hl7Timestamp() of now, written once per second (it has no finer part). */
  private now(): string {
    const ms = Date.now();
    const second = Math.floor(ms / 1000);
    if (second !== this.clock.second) this.clock = { second, timestamp: hl7Timestamp(new Date(ms)) };
    return this.clock.timestamp;
  }
}

function plain(header: Hl7Header): FeedHeader {
  return { header, plainAck: (code, options) => buildAck(header, code, options) };
}

interface MshLayout {
  /** Where MSH-7 and MSH-10 are: [start, end) in the text. */
  readonly timeStart: number;
  readonly timeEnd: number;
  readonly idStart: number;
  readonly idEnd: number;
  /** Where the MSH segment ends. */
  readonly end: number;
  /** MSH-2 as written. */
  readonly encoding: string;
}

/** Where the fields that change from message to message are, when the text starts with an MSH that has an MSH-10. */
function mshLayout(text: string): MshLayout | undefined {
  if (!text.startsWith("MSH") || text.length < 5) return undefined;
  const separator = text[3];
  // Separators seen after MSH-1 (index 3): the n-th one opens MSH-(n + 2).
  let seen = 0;
  let encodingEnd = -1;
  let timeStart = -1;
  let timeEnd = -1;
  let idStart = -1;
  let idEnd = -1;
  let i = 4;
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === "\r" || c === "\n") break;
    if (c !== separator) continue;
    seen++;
    if (seen === 1) encodingEnd = i;
    else if (seen === 5) timeStart = i + 1;
    else if (seen === 6) timeEnd = i;
    else if (seen === 8) idStart = i + 1;
    else if (seen === 9) idEnd = i;
  }
  if (idStart < 0) return undefined;
  return {
    timeStart,
    timeEnd,
    idStart,
    idEnd: idEnd < 0 ? i : idEnd,
    end: i,
    encoding: text.slice(4, encodingEnd),
  };
}

/** A value readHl7Header returns as written: no encoding character (so nothing to split or decode), no edge space. */
function isPlainValue(value: string, encoding: string): boolean {
  if (value === "" || value === '""' || value.trim() !== value) return false;
  for (let i = 0; i < encoding.length; i++) if (value.includes(encoding[i])) return false;
  return true;
}

/** The ACK with stand-ins, cut where they are; null when a stand-in is not found exactly once (never seen). */
function makeTemplate(header: Hl7Header, code: AckCode): AckTemplate | null {
  const text = buildAck({ ...header, controlId: MARK_MSA_2 }, code, { controlId: MARK_CONTROL_ID, now: MARK_TIME });
  const time = hl7Timestamp(MARK_TIME);
  const pieces: string[] = [];
  let rest = text;
  for (const mark of [time, MARK_CONTROL_ID, MARK_MSA_2]) {
    const at = rest.indexOf(mark);
    if (at < 0 || rest.indexOf(mark, at + 1) >= 0 || text.split(mark).length !== 2) return null;
    pieces.push(rest.slice(0, at));
    rest = rest.slice(at + mark.length);
  }
  return {
    parts: [pieces[0], pieces[1], pieces[2], rest],
    delimiters: parseHl7Message(text).delimiters,
  };
}
