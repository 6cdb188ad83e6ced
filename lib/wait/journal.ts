/**
 * An append-only file of checksummed records (journal-record.ts) with group
 * commit and compaction; it knows bytes and positions, not waits (store.ts).
 *
 * - Appends are written in order by one writer. Records that arrive while a
 *   write and its fdatasync are under way go out together in the next write,
 *   with one fdatasync for all (group commit), so concurrent accepts do not
 *   queue behind one disk flush each.
 * - A record is given its position when it is appended, before it is
 *   written, so the caller can index it at once.
 * - Replay checks every record's checksum. A record cut short at the end of
 *   the file (the process was killed while writing it) is dropped and the
 *   file truncated to the last whole record; a damaged record inside the
 *   file is skipped up to the next record whose checksum holds, and counted.
 * - Compaction writes the live records to a new file while appends go on,
 *   then, between two writes, copies the records appended meanwhile, flushes,
 *   renames it over the old file and flushes the directory.
 */
import { promises as fsp } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import * as path from "node:path";
import { SanteError } from "../errors";
import { decodeRecord, FILE_HEADER, MAX_RECORD_BYTES, RECORD_HEADER_BYTES } from "./journal-record";

const READ_CHUNK = 4 * 1024 * 1024;
/** Compaction writes and flushes the new file in slices of this size (see compact()). */
const COMPACT_CHUNK = 2 * 1024 * 1024;
/** Suffix of the file a compaction writes before renaming it over the journal. */
const COMPACTING = ".compacting";
/** Most bytes one group write takes from the queue; the rest go in the next. */
const MAX_BATCH_BYTES = 8 * 1024 * 1024;

export interface ReplayReport {
  /** Whole records read. */
  records: number;
  /** Bytes of a record cut short at the end of the file, dropped (0: none). */
  tornBytes: number;
  /** Damaged stretches inside the file that were skipped. */
  damaged: number;
  /** The file's size after replay. */
  bytes: number;
}

/**
 * Called for each record during replay: its kind, a buffer holding it, where its payload starts and ends in that
 * buffer, and where the record starts in the file. The buffer is reused for the next records: copy what you keep.
 */
export type ReplayVisitor = (kind: number, buf: Buffer, payloadStart: number, end: number, position: number) => void;

interface AppendOp {
  kind: "append";
  record: Buffer;
  durable: boolean;
  resolve: () => void;
  reject: (err: Error) => void;
}

interface ExclusiveOp {
  kind: "exclusive";
  run: () => Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** An open file and the reads still using it, so that compaction closes the old file only once they are done. */
class OpenFile {
  reads = 0;
  private closeWhenIdle: (() => void) | undefined;

  constructor(readonly handle: FileHandle) {}

  async read(position: number, length: number): Promise<Buffer> {
    this.reads++;
    try {
      const buf = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await this.handle.read(buf, got, length - got, position + got);
        if (bytesRead === 0) throw new Error(`the journal ends at ${position + got}, inside a record`);
        got += bytesRead;
      }
      return buf;
    } finally {
      if (--this.reads === 0) this.closeWhenIdle?.();
    }
  }

  async close(): Promise<void> {
    if (this.reads > 0) await new Promise<void>((resolve) => (this.closeWhenIdle = resolve));
    await this.handle.close();
  }
}

export class Journal {
  private file: OpenFile;
  /** Bytes on disk (whole records written so far). */
  private written: number;
  /** Bytes on disk plus those queued: where the next appended record will start. */
  private end: number;
  private readonly queue: (AppendOp | ExclusiveOp)[] = [];
  private pumping = false;
  private failure: SanteError | undefined;
  private closing: Promise<void> | undefined;
  private syncs = 0;

  private constructor(
    readonly path: string,
    file: OpenFile,
    size: number,
  ) {
    this.file = file;
    this.written = size;
    this.end = size;
  }

  /** Opens (or creates) the journal at `file` and replays it through `visit`. Rejects with SANTE_STORAGE. */
  static async open(file: string, visit: ReplayVisitor): Promise<{ journal: Journal; report: ReplayReport }> {
    await fsp.mkdir(path.dirname(file), { recursive: true }).catch((err: Error) => {
      throw storageError(`cannot create the folder for the wait journal ${file}`, err);
    });
    let handle: FileHandle;
    let created = false;
    try {
      handle = await fsp.open(file, "r+");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw storageError(`cannot open ${file}`, err);
      handle = await fsp.open(file, "w+").catch((e: Error) => {
        throw storageError(`cannot create ${file}`, e);
      });
      created = true;
    }
    // A compaction that was killed left its half-written file behind; the journal itself is whole.
    await fsp.unlink(`${file}${COMPACTING}`).catch(() => undefined);
    try {
      const report = await replay(handle, file, visit);
      if (created) await syncDirectory(file);
      return { journal: new Journal(file, new OpenFile(handle), report.bytes), report };
    } catch (err) {
      await handle.close().catch(() => undefined);
      throw err instanceof SanteError ? err : storageError(`cannot read ${file}`, err);
    }
  }

  /** fdatasync calls so far: fewer than durable appends when group commit gathered them. */
  get flushes(): number {
    return this.syncs;
  }

  /** Where the next record will start; also the journal's size once the queue is written. */
  get size(): number {
    return this.end;
  }

  /**
   * Queues `record` and returns where it will start in the file. `written` resolves once it is on disk, and, when
   * `durable`, flushed (fdatasync). Records are written in the order they were appended.
   */
  append(record: Buffer, durable: boolean): { position: number; written: Promise<void> } {
    const position = this.end;
    if (this.failure || this.closing) {
      return { position, written: Promise.reject(this.failure ?? storageError(`${this.path} is closed`)) };
    }
    this.end += record.length;
    const written = new Promise<void>((resolve, reject) => {
      this.queue.push({ kind: "append", record, durable, resolve, reject });
    });
    void this.pump();
    return { position, written };
  }

  /** Reads `length` bytes at `position` of the current file. */
  read(position: number, length: number): Promise<Buffer> {
    return this.file.read(position, length);
  }

  /**
   * Compaction. The caller notes `size` when it takes its snapshot, in the same tick, and passes it as
   * `snapshotEnd`; `records` then yields the snapshot's records as they should read in the new file, one after
   * the other from position FILE_HEADER.length (it may read the old file: it is iterated only once everything up to
   * `snapshotEnd` is on disk). Records appended after the snapshot are copied after them, and `switched(shift)` is
   * called in the same tick as the switch to the new file: a position at or beyond `snapshotEnd` has moved by
   * `shift`. Appends go on meanwhile and wait only for that final copy, flush and rename.
   */
  async compact(snapshotEnd: number, records: AsyncIterable<Buffer>, switched: (shift: number) => void): Promise<void> {
    if (this.failure) throw this.failure;
    const tmpPath = `${this.path}${COMPACTING}`;
    let tmp: FileHandle | undefined;
    try {
      // The old file must hold every record up to the snapshot before the snapshot's messages are read back.
      await this.exclusive(() => Promise.resolve());
      tmp = await fsp.open(tmpPath, "w+");
      const out = tmp;
      let size = 0;
      let pending: Buffer[] = [FILE_HEADER];
      let pendingBytes = FILE_HEADER.length;
      // Each chunk is flushed as it is written: on ext4 (data=ordered) an append's fdatasync also waits for every
      // dirty block of the file system's transaction, so letting the new file's megabytes pile up in the page
      // cache would stall the adds made meanwhile for the time it takes to write all of them.
      const flush = async (): Promise<void> => {
        const chunk = Buffer.concat(pending, pendingBytes);
        pending = [];
        pendingBytes = 0;
        await writeFully(out, chunk, size);
        await out.datasync();
        size += chunk.length;
      };
      for await (const record of records) {
        pending.push(record);
        pendingBytes += record.length;
        if (pendingBytes >= COMPACT_CHUNK) await flush();
      }
      await flush();
      await this.exclusive(async () => {
        let from = snapshotEnd;
        let to = size;
        while (from < this.written) {
          const n = Math.min(READ_CHUNK, this.written - from);
          await writeFully(out, await this.file.read(from, n), to);
          from += n;
          to += n;
        }
        await out.datasync();
        await fsp.rename(tmpPath, this.path);
        tmp = undefined;
        await syncDirectory(this.path);
        const old = this.file;
        const shift = size - snapshotEnd;
        this.file = new OpenFile(out);
        this.written += shift;
        this.end += shift;
        switched(shift);
        void old.close().catch(() => undefined);
      });
    } catch (err) {
      if (tmp) {
        await tmp.close().catch(() => undefined);
        await fsp.unlink(tmpPath).catch(() => undefined);
      }
      throw err instanceof SanteError
        ? err
        : storageError(`compacting ${this.path} failed (the journal is unchanged)`, err);
    }
  }

  /** Writes what is queued, then closes the file. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.exclusive(() => Promise.resolve()).catch(() => undefined);
      await this.file.close();
    })();
    return this.closing;
  }

  /** Runs `run` between two writes, with nothing else writing. */
  private exclusive(run: () => Promise<void>): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const done = new Promise<void>((resolve, reject) => this.queue.push({ kind: "exclusive", run, resolve, reject }));
    void this.pump();
    return done;
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0) {
        const head = this.queue[0];
        if (head.kind === "exclusive") {
          this.queue.shift();
          try {
            await head.run();
            head.resolve();
          } catch (err) {
            head.reject(err as Error);
          }
          continue;
        }
        const batch: AppendOp[] = [];
        let bytes = 0;
        let durable = false;
        while (this.queue.length > 0 && this.queue[0].kind === "append" && (bytes === 0 || bytes < MAX_BATCH_BYTES)) {
          const op = this.queue.shift() as AppendOp;
          batch.push(op);
          bytes += op.record.length;
          durable ||= op.durable;
        }
        try {
          const chunk =
            batch.length === 1
              ? batch[0].record
              : Buffer.concat(
                  batch.map((op) => op.record),
                  bytes,
                );
          await writeFully(this.file.handle, chunk, this.written);
          this.written += bytes;
          if (durable) {
            await this.file.handle.datasync();
            this.syncs++;
          }
          for (const op of batch) op.resolve();
        } catch (err) {
          // A write that failed half-way leaves a torn record, and every position handed out after it is wrong:
          // refuse all further writes rather than guess. Reopening replays the file and drops the torn record.
          this.failure = storageError(`writing ${this.path} failed; reopen the wait store`, err);
          for (const op of batch) op.reject(this.failure);
          for (const op of this.queue.splice(0)) op.reject(this.failure);
        }
      }
    } finally {
      this.pumping = false;
    }
  }
}

async function writeFully(handle: FileHandle, chunk: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, done, chunk.length - done, position + done);
    done += bytesWritten;
  }
}

/** Reads the whole file through `visit`, truncating a torn last record. */
async function replay(handle: FileHandle, file: string, visit: ReplayVisitor): Promise<ReplayReport> {
  const { size } = await handle.stat();
  const report: ReplayReport = { records: 0, tornBytes: 0, damaged: 0, bytes: size };
  const header = Buffer.alloc(FILE_HEADER.length);
  const { bytesRead } = await handle.read(header, 0, header.length, 0);
  const head = header.subarray(0, bytesRead);
  if (bytesRead < FILE_HEADER.length) {
    // New, or created by a process killed before its header was flushed.
    if (!FILE_HEADER.subarray(0, bytesRead).equals(head)) throw notAJournal(file);
    await handle.truncate(0);
    await writeFully(handle, FILE_HEADER, 0);
    await handle.datasync();
    report.bytes = FILE_HEADER.length;
    return report;
  }
  if (!FILE_HEADER.equals(head)) throw notAJournal(file);

  // buf holds the file from bufStart on; `at` is an index into buf. buf is always a view of the start of `space`,
  // one buffer reused for the whole file: a new buffer per chunk would leave the freed ones in the allocator
  // and the process's RSS high long after start-up.
  let space = Buffer.allocUnsafe(READ_CHUNK);
  let buf = space.subarray(0, 0);
  let bufStart = FILE_HEADER.length;
  let at = 0;
  let eof = bufStart >= size;
  /** Reads more so that buf holds at least `need` bytes from `at` (or all that is left). */
  const fill = async (need: number): Promise<void> => {
    if (buf.length - at >= need || eof) return;
    const kept = buf.length - at;
    if (space.length < need) {
      const bigger = Buffer.allocUnsafe(need);
      buf.copy(bigger, 0, at);
      space = bigger;
    } else {
      space.copyWithin(0, at, buf.length);
    }
    bufStart += at;
    at = 0;
    const want = Math.min(space.length, kept + (size - (bufStart + kept)));
    let got = kept;
    while (got < want) {
      const r = await handle.read(space, got, want - got, bufStart + got);
      if (r.bytesRead === 0) break;
      got += r.bytesRead;
    }
    buf = space.subarray(0, got);
    eof = bufStart + buf.length >= size;
  };

  // fill() is awaited only when the buffer runs short: a promise per record would cost more than the record.
  for (;;) {
    if (buf.length - at < RECORD_HEADER_BYTES && !eof) await fill(RECORD_HEADER_BYTES);
    if (buf.length - at === 0 && eof) break;
    if (buf.length - at >= 4) {
      const n = buf.readUInt32LE(at);
      const need = RECORD_HEADER_BYTES + n;
      if (n >= 1 && n <= MAX_RECORD_BYTES && buf.length - at < need && !eof) await fill(need);
    }
    const record = decodeRecord(buf, at);
    if (record.status === "ok") {
      visit(record.kind, buf, record.payloadStart, record.end, bufStart + at);
      report.records++;
      at = record.end;
      continue;
    }
    // Damaged, or cut short at the end of the file: look for the next whole record.
    const from = bufStart + at;
    const next = await resync(handle, from + 1, size);
    if (next === undefined) {
      report.tornBytes = size - from;
      await handle.truncate(from);
      await handle.datasync();
      report.bytes = from;
      break;
    }
    report.damaged++;
    buf = space.subarray(0, 0);
    bufStart = next;
    at = 0;
    eof = next >= size;
  }
  return report;
}

/** The first position at or after `from` where a whole record with a valid checksum starts, if any. */
async function resync(handle: FileHandle, from: number, size: number): Promise<number | undefined> {
  // Only after damage: reads the rest of the file in windows and tries every offset.
  for (let start = from; start + RECORD_HEADER_BYTES <= size;) {
    const windowLength = Math.min(READ_CHUNK, size - start);
    const window = Buffer.allocUnsafe(windowLength);
    await handle.read(window, 0, windowLength, start);
    for (let i = 0; i + RECORD_HEADER_BYTES <= windowLength; i++) {
      const n = window.readUInt32LE(i);
      if (n < 1 || n > MAX_RECORD_BYTES || start + i + RECORD_HEADER_BYTES + n > size) continue;
      const kind = window[i + RECORD_HEADER_BYTES];
      if (i + RECORD_HEADER_BYTES < windowLength && (kind < 1 || kind > 3)) continue;
      const candidate =
        i + RECORD_HEADER_BYTES + n <= windowLength
          ? window.subarray(i, i + RECORD_HEADER_BYTES + n)
          : await readAt(handle, start + i, RECORD_HEADER_BYTES + n);
      if (decodeRecord(candidate, 0).status === "ok") return start + i;
    }
    start += Math.max(1, windowLength - RECORD_HEADER_BYTES + 1);
  }
  return undefined;
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  const { bytesRead } = await handle.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

/** Makes a rename or a new file in the folder survive a power cut. Windows cannot open a folder: nothing to do there. */
async function syncDirectory(file: string): Promise<void> {
  let dir: FileHandle | undefined;
  try {
    dir = await fsp.open(path.dirname(file), "r");
    await dir.sync();
  } catch {
    // See above.
  } finally {
    await dir?.close().catch(() => undefined);
  }
}

function notAJournal(file: string): SanteError {
  return new SanteError(
    "SANTE_STORAGE",
    `${file} is not a wait journal of this package (its first bytes differ); move it away or choose another file`,
  );
}

export function storageError(message: string, cause?: unknown): SanteError {
  const detail = cause instanceof Error ? `: ${cause.message}` : "";
  return new SanteError("SANTE_STORAGE", `${message}${detail}`, { cause });
}
