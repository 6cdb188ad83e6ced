/**
 * The durable set of pending waits, over one journal file. Every wait's
 * fields are kept in memory (a few hundred bytes each); its message stays on
 * disk until it is delivered, so 100,000 waiting orders cost tens of MiB,
 * not the size of their messages.
 *
 * Durability: add() and remove() resolve once their record is flushed to
 * disk (fdatasync, shared by the records written together). update() (the
 * attempt count and next attempt time) only writes: after a crash a wait may
 * repeat its last attempts, which is harmless, and a busy scheduler does not
 * wait for a disk flush per lookup.
 */
import { randomBytes } from "node:crypto";
import { SanteError } from "../errors";
import { validateStudyInstanceUid } from "../sante/validate";
import { addPayload, encodeRecord, FILE_HEADER, RECORD_HEADER_BYTES, RecordKind, splitAdd } from "./journal-record";
import { Journal, storageError, type ReplayReport } from "./journal";
import { decodeMessage, DEFAULT_MAX_MESSAGE_BYTES, encodeMessage } from "./message-copy";

/** A payload starts after the record header and the kind byte. */
const RECORD_START = RECORD_HEADER_BYTES + 1;

/** What a wait is; the store keeps these fields, the message apart. */
export interface WaitRecord {
  readonly id: string;
  /** The node that delivers the message (Node-RED: the sante-study-token node's id). */
  readonly nodeId: string;
  readonly studyInstanceUid: string;
  /** The triggering message's identity (e.g. its MSH-10); the same message for the same study and node waits once. */
  readonly messageId: string | undefined;
  readonly createdAt: number;
  /** Epoch ms after which the wait gives up. */
  readonly deadline: number;
  /** Canonical plan text (plan.ts). */
  readonly plan: string;
  /** Lookups made while waiting. */
  readonly attempts: number;
  /** Epoch ms of the next lookup. */
  readonly nextAttemptAt: number;
  /** Code of the last failed lookup other than SANTE_NOT_FOUND (the PACS could not be asked), if any. */
  readonly lastError: string | undefined;
}

export type NewWait = Pick<WaitRecord, "nodeId" | "studyInstanceUid" | "plan" | "deadline" | "nextAttemptAt"> & {
  messageId?: string;
  createdAt?: number;
};

export type WaitProgress = Pick<WaitRecord, "attempts" | "nextAttemptAt" | "lastError">;

/** Why a wait ended; written into the journal, for whoever reads it. */
export type RemoveReason = "found" | "gave-up" | "cancelled" | "dropped";

export interface WaitStoreOptions {
  /** Largest message kept, as JSON. Default 1 MiB. */
  maxMessageBytes?: number;
  /** The journal is compacted when it is larger than this and than twice what is live. Default 8 MiB. */
  compactMinBytes?: number;
  /** Problems that do not stop the store (a damaged record skipped, a compaction that failed). */
  onWarning?: (message: string) => void;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A wait as the store keeps it: its record (the object callers see, updated in place), and where its message is. */
interface Entry {
  record: Mutable<WaitRecord>;
  messageAt: number;
  messageLength: number;
  /** Bytes of its add record: what compaction keeps of it. */
  recordLength: number;
  /** Where its message lands in the file being compacted (−1: not part of that snapshot). */
  compactedAt: number;
  /** Resolves once the add record is flushed; a duplicate add waits for it too. */
  durable: Promise<void> | undefined;
}

export interface WaitStoreStats {
  waits: number;
  /** Journal bytes, and those of the live waits' add records (what a compaction would keep). */
  fileBytes: number;
  liveBytes: number;
  compactions: number;
  /** Disk flushes (fdatasync) so far; group commit makes them fewer than durable writes. */
  flushes: number;
  replay: ReplayReport;
}

export class WaitStore {
  private readonly entries = new Map<string, Entry>();
  /** Waits by messageId (the same message id for another study or node is rare: then an array). */
  private readonly byMessageId = new Map<string, Entry | Entry[]>();
  private readonly byNodeId = new Map<string, Set<string>>();
  /** Interned plan texts and node ids: 100,000 waits share a handful. */
  private readonly strings = new Map<string, string>();
  private liveBytes = 0;
  private compactions = 0;
  private compacting: Promise<void> | undefined;
  private closed = false;
  private readonly maxMessageBytes: number;
  private readonly compactMinBytes: number;
  private readonly warn: (message: string) => void;
  private journal!: Journal;
  private report!: ReplayReport;

  private constructor(options: WaitStoreOptions) {
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.compactMinBytes = options.compactMinBytes ?? 8 * 1024 * 1024;
    this.warn = options.onWarning ?? (() => undefined);
  }

  /** Opens the journal at `file` (created with its folder if missing) and loads every wait in it. Rejects with SANTE_STORAGE. */
  static async open(file: string, options: WaitStoreOptions = {}): Promise<WaitStore> {
    const store = new WaitStore(options);
    const { journal, report } = await Journal.open(file, (kind, buf, start, end, position) =>
      store.replayRecord(kind, buf, start, end, position),
    );
    store.journal = journal;
    store.report = report;
    if (report.tornBytes > 0) {
      store.warn(
        `${file}: dropped a record cut short at its end (${report.tornBytes} bytes): the process had stopped while writing it`,
      );
    }
    if (report.damaged > 0) {
      store.warn(`${file}: skipped ${report.damaged} damaged stretch(es) of the file; compacting it`);
      store.startCompaction();
    }
    return store;
  }

  get size(): number {
    return this.entries.size;
  }

  get path(): string {
    return this.journal.path;
  }

  get stats(): WaitStoreStats {
    return {
      waits: this.entries.size,
      fileBytes: this.journal.size,
      liveBytes: this.liveBytes,
      compactions: this.compactions,
      flushes: this.journal.flushes,
      replay: { ...this.report },
    };
  }

  /**
   * Stores a wait and its message; resolves once both are on disk. The message is checked first: one that cannot
   * be stored (message-copy.ts) is refused at once with SANTE_INVALID_INPUT, before anything is written. The same
   * message (messageId) for the same study and node resolves with the wait already stored, `duplicate: true`.
   */
  async add(wait: NewWait, msg: unknown): Promise<{ record: WaitRecord; duplicate: boolean }> {
    this.assertOpen();
    const message = encodeMessage(msg, this.maxMessageBytes);
    const studyInstanceUid = validateStudyInstanceUid(wait.studyInstanceUid);
    const nodeId = this.intern(nonEmpty(wait.nodeId, "nodeId"));
    const messageId = wait.messageId === undefined || wait.messageId === "" ? undefined : String(wait.messageId);
    const known = messageId === undefined ? undefined : this.sameMessage(nodeId, studyInstanceUid, messageId);
    if (known) {
      await known.durable;
      return { record: known.record, duplicate: true };
    }
    const wanted: WaitRecord = {
      id: randomBytes(9).toString("base64url"),
      nodeId,
      studyInstanceUid,
      messageId,
      createdAt: wait.createdAt ?? Date.now(),
      deadline: finite(wait.deadline, "deadline"),
      plan: this.intern(nonEmpty(wait.plan, "plan")),
      attempts: 0,
      nextAttemptAt: finite(wait.nextAttemptAt, "nextAttemptAt"),
      lastError: undefined,
    };
    const fields = encodeFields(wanted);
    const bytes = encodeRecord(RecordKind.add, addPayload(fields, message));
    const { position, written } = this.journal.append(bytes, true);
    const entry: Entry = {
      record: wanted,
      messageAt: position + bytes.length - message.length,
      messageLength: message.length,
      recordLength: bytes.length,
      compactedAt: -1,
      durable: written,
    };
    this.index(entry);
    try {
      await written;
    } catch (err) {
      this.unindex(entry);
      throw err;
    }
    entry.durable = undefined;
    return { record: entry.record, duplicate: false };
  }

  /** Records an attempt's outcome. Written, not flushed (see the top of this file). false: no such wait. */
  async update(id: string, progress: WaitProgress): Promise<boolean> {
    this.assertOpen();
    const entry = this.entries.get(id);
    if (!entry) return false;
    this.progress(entry.record, progress);
    const { attempts, nextAttemptAt, lastError } = entry.record;
    const payload = Buffer.from(JSON.stringify([id, attempts, nextAttemptAt, lastError ?? null]), "utf8");
    await this.journal.append(encodeRecord(RecordKind.update, [payload]), false).written;
    this.maybeCompact();
    return true;
  }

  /** Ends a wait; resolves once that is on disk. false: no such wait (already removed). */
  async remove(id: string, reason: RemoveReason): Promise<boolean> {
    this.assertOpen();
    const entry = this.entries.get(id);
    if (!entry) return false;
    this.unindex(entry);
    const payload = Buffer.from(JSON.stringify([id, reason]), "utf8");
    await this.journal.append(encodeRecord(RecordKind.remove, [payload]), true).written;
    this.maybeCompact();
    return true;
  }

  get(id: string): WaitRecord | undefined {
    return this.entries.get(id)?.record;
  }

  /** The waits of one node, oldest first. */
  byNode(nodeId: string): WaitRecord[] {
    const ids = this.byNodeId.get(nodeId);
    return ids ? [...ids].map((id) => (this.entries.get(id) as Entry).record) : [];
  }

  /** Node ids that have waits. */
  nodeIds(): string[] {
    return [...this.byNodeId.keys()];
  }

  /** Every wait, oldest first. */
  *records(): IterableIterator<WaitRecord> {
    for (const entry of this.entries.values()) yield entry.record;
  }

  /** The wait's message as it was added (Buffers restored). Rejects with SANTE_STORAGE if the wait is gone. */
  async readMessage(id: string): Promise<Record<string, unknown>> {
    this.assertOpen();
    const entry = this.entries.get(id);
    if (!entry) throw new SanteError("SANTE_STORAGE", `no wait ${id} in ${this.path}`);
    await entry.durable;
    const bytes = await this.journal.read(entry.messageAt, entry.messageLength);
    return decodeMessage(bytes);
  }

  /** Rewrites the journal with only the live waits; add/update/remove go on meanwhile. */
  compact(): Promise<void> {
    this.assertOpen();
    this.compacting ??= this.runCompaction().finally(() => (this.compacting = undefined));
    return this.compacting;
  }

  /** Writes what is queued and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.compacting?.catch(() => undefined);
    await this.journal.close();
  }

  private async runCompaction(): Promise<void> {
    const snapshotEnd = this.journal.size;
    const entries = this.entries;
    const journal = this.journal;
    async function* records(): AsyncGenerator<Buffer> {
      let at = FILE_HEADER.length;
      let made = 0;
      // Messages are read back in windows of neighbouring records, not one read each.
      let window: Entry[] = [];
      const drain = async function* (): AsyncGenerator<Buffer> {
        if (window.length === 0) return;
        const first = window[0].messageAt;
        const last = window[window.length - 1];
        const bytes = await journal.read(first, last.messageAt + last.messageLength - first);
        for (const entry of window) {
          if (!entries.has(entry.record.id)) continue; // removed meanwhile; its remove record is in the copied tail
          const message = bytes.subarray(entry.messageAt - first, entry.messageAt - first + entry.messageLength);
          const fields = encodeFields(entry.record);
          const record = encodeRecord(RecordKind.add, addPayload(fields, message));
          entry.compactedAt = at + record.length - message.length;
          at += record.length;
          yield record;
          // Let the adds and removals made meanwhile run between slices of this work.
          if (++made % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
        }
        window = [];
      };
      for (const entry of entries.values()) {
        if (entry.messageAt >= snapshotEnd) continue; // added after the snapshot: in the copied tail
        const first = window.length > 0 ? window[0].messageAt : entry.messageAt;
        const ordered = window.length === 0 || entry.messageAt > window[window.length - 1].messageAt;
        if (!ordered || entry.messageAt + entry.messageLength - first > 4 * 1024 * 1024) yield* drain();
        window.push(entry);
      }
      yield* drain();
    }
    await this.journal.compact(snapshotEnd, records(), (shift) => {
      for (const entry of this.entries.values()) {
        if (entry.messageAt >= snapshotEnd) entry.messageAt += shift;
        else if (entry.compactedAt >= 0) entry.messageAt = entry.compactedAt;
        entry.compactedAt = -1;
      }
    });
    this.compactions++;
  }

  private maybeCompact(): void {
    const size = this.journal.size;
    if (this.compacting || this.closed || size < this.compactMinBytes) return;
    if (size > 2 * (this.liveBytes + FILE_HEADER.length)) this.startCompaction();
  }

  private startCompaction(): void {
    this.compact().catch((err: Error) => this.warn(err.message));
  }

  private replayRecord(kind: number, buf: Buffer, start: number, end: number, position: number): void {
    try {
      if (kind === RecordKind.add) {
        const parts = splitAdd(buf, start, end);
        if (!parts) throw new Error("its inner length does not fit");
        const f = JSON.parse(parts.fields.toString("utf8")) as unknown[];
        if (!Array.isArray(f) || f[0] !== FIELDS_VERSION) throw new Error("its fields are not of a known version");
        const lastError = f[10];
        const entry: Entry = {
          record: {
            id: String(f[1]),
            nodeId: this.intern(String(f[2])),
            studyInstanceUid: String(f[3]),
            messageId: typeof f[4] === "string" ? f[4] : undefined,
            createdAt: Number(f[5]),
            deadline: Number(f[6]),
            plan: this.intern(String(f[7])),
            attempts: Number(f[8]),
            nextAttemptAt: Number(f[9]),
            lastError: typeof lastError === "string" ? this.intern(lastError) : undefined,
          },
          messageAt: position + (parts.messageStart - (start - RECORD_START)),
          messageLength: end - parts.messageStart,
          recordLength: end - (start - RECORD_START),
          compactedAt: -1,
          durable: undefined,
        };
        const old = this.entries.get(entry.record.id);
        if (old) this.unindex(old);
        this.index(entry);
      } else if (kind === RecordKind.update) {
        const [id, attempts, nextAttemptAt, lastError] = JSON.parse(buf.toString("utf8", start, end)) as unknown[];
        const entry = this.entries.get(String(id));
        if (entry) {
          this.progress(entry.record, {
            attempts: Number(attempts),
            nextAttemptAt: Number(nextAttemptAt),
            lastError: typeof lastError === "string" ? lastError : undefined,
          });
        }
      } else if (kind === RecordKind.remove) {
        const [id] = JSON.parse(buf.toString("utf8", start, end)) as unknown[];
        const entry = this.entries.get(String(id));
        if (entry) this.unindex(entry);
      }
    } catch (err) {
      // A record whose checksum holds but whose content does not parse was written by something else (or a
      // future version): keep the rest of the waits.
      this.warn(`record at byte ${position} of the wait journal skipped: ${(err as Error).message}`);
    }
  }

  private sameMessage(nodeId: string, uid: string, messageId: string): Entry | undefined {
    const known = this.byMessageId.get(messageId);
    const candidates = known === undefined ? [] : Array.isArray(known) ? known : [known];
    return candidates.find((e) => e.record.nodeId === nodeId && e.record.studyInstanceUid === uid);
  }

  private progress(record: Mutable<WaitRecord>, progress: WaitProgress): void {
    record.attempts = progress.attempts;
    record.nextAttemptAt = progress.nextAttemptAt;
    record.lastError = progress.lastError === undefined ? undefined : this.intern(progress.lastError);
  }

  private index(entry: Entry): void {
    const { id, nodeId, messageId } = entry.record;
    this.entries.set(id, entry);
    if (messageId !== undefined) {
      const known = this.byMessageId.get(messageId);
      this.byMessageId.set(
        messageId,
        known === undefined ? entry : Array.isArray(known) ? [...known, entry] : [known, entry],
      );
    }
    let ids = this.byNodeId.get(nodeId);
    if (!ids) this.byNodeId.set(nodeId, (ids = new Set()));
    ids.add(id);
    this.liveBytes += entry.recordLength;
  }

  private unindex(entry: Entry): void {
    const { id, nodeId, messageId } = entry.record;
    if (!this.entries.delete(id)) return;
    if (messageId !== undefined) {
      const known = this.byMessageId.get(messageId);
      const rest = Array.isArray(known) ? known.filter((e) => e !== entry) : [];
      if (rest.length === 0) this.byMessageId.delete(messageId);
      else this.byMessageId.set(messageId, rest.length === 1 ? rest[0] : rest);
    }
    const ids = this.byNodeId.get(nodeId);
    ids?.delete(id);
    if (ids?.size === 0) this.byNodeId.delete(nodeId);
    this.liveBytes -= entry.recordLength;
  }

  private intern(text: string): string {
    const known = this.strings.get(text);
    if (known !== undefined) return known;
    // Bounded: plans, node ids and error codes are few; past this, interning is not worth a growing map.
    if (this.strings.size < 10_000) this.strings.set(text, text);
    return text;
  }

  private assertOpen(): void {
    if (this.closed) throw storageError(`the wait store ${this.journal.path} is closed`);
  }
}

/**
 * A wait's fields as the journal keeps them: a JSON array (about half the bytes of an object with names, and
 * quicker to read back at start-up), led by its layout's version.
 */
const FIELDS_VERSION = 1;

function encodeFields(r: WaitRecord): Buffer {
  const fields = [
    FIELDS_VERSION,
    r.id,
    r.nodeId,
    r.studyInstanceUid,
    r.messageId ?? null,
    r.createdAt,
    r.deadline,
    r.plan,
    r.attempts,
    r.nextAttemptAt,
    r.lastError ?? null,
  ];
  return Buffer.from(JSON.stringify(fields), "utf8");
}

function nonEmpty(value: unknown, what: string): string {
  if (typeof value !== "string" || value === "") {
    throw new SanteError("SANTE_INVALID_INPUT", `a wait's ${what} must be a non-empty string`);
  }
  return value;
}

function finite(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new SanteError("SANTE_INVALID_INPUT", `a wait's ${what} must be a time in ms, got ${String(value)}`);
  }
  return value;
}
