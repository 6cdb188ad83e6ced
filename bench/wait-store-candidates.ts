/**
 * The stores bench/wait-store.ts compares, behind one interface: our journal
 * (lib/wait/store.ts) and two embedded databases whose native binaries come
 * from the npm registry. The databases are not dependencies of the package:
 * install them for a run with
 *
 *   npm install --no-save lmdb@3.5.6 classic-level@3.0.0
 *
 * Each database adapter does what WaitStore does: the wait's fields under one
 * key and its message under another, so start-up reads only the fields, kept
 * in a Map as WaitStore keeps them; add and remove are durable (flushed),
 * update is written but not flushed.
 */
import { randomBytes } from "node:crypto";
import { encodeMessage } from "../lib/wait/message-copy";
import { WaitStore, type NewWait, type WaitProgress } from "../lib/wait/store";

export interface WaitFields extends NewWait {
  attempts?: number;
}

export interface CandidateStore {
  /** Durable when it resolves. */
  add(wait: WaitFields, msg: unknown): Promise<string>;
  update(id: string, progress: WaitProgress): Promise<void>;
  /** Durable when it resolves. */
  remove(id: string): Promise<void>;
  readonly size: number;
  /** Ids of the stored waits. */
  ids(): string[];
  readMessage(id: string): Promise<Buffer | Record<string, unknown>>;
  /** Reclaims the space of removed waits; undefined when the engine does it by itself. */
  compact?(): Promise<void>;
  /** Disk flushes so far, when the engine tells. */
  readonly flushes?: number;
  close(): Promise<void>;
}

export interface Candidate {
  name: string;
  /** Why a run may not have it (not installed). */
  missing(): string | undefined;
  open(dir: string): Promise<CandidateStore>;
}

type Fields = WaitFields & { id: string };

function newId(): string {
  return randomBytes(9).toString("base64url");
}

/** `require` of a package that may be absent; the bench's own minimal types stand in for the package's. */
function optional<T>(name: string): T | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional: the package is not a dependency
    return require(name) as T;
  } catch {
    return undefined;
  }
}

const journal: Candidate = {
  name: "journal (ours)",
  missing: () => undefined,
  async open(dir) {
    const store = await WaitStore.open(`${dir}/waits.journal`);
    return {
      add: async (wait, msg) => (await store.add(wait, msg)).record.id,
      update: async (id, progress) => void (await store.update(id, progress)),
      remove: async (id) => void (await store.remove(id, "found")),
      get size() {
        return store.size;
      },
      ids: () => [...store.records()].map((r) => r.id),
      readMessage: (id) => store.readMessage(id),
      compact: () => store.compact(),
      get flushes() {
        return store.stats.flushes;
      },
      close: () => store.close(),
    };
  },
};

// --- lmdb (kriszyp/lmdb-js): binaries in the @lmdb/lmdb-<platform> packages ---

interface LmdbDatabase {
  put(key: string, value: Buffer): Promise<boolean>;
  remove(key: string): Promise<boolean>;
  get(key: string): Buffer | undefined;
  getRange(options: { start: string; end: string }): Iterable<{ key: string; value: Buffer }>;
  transaction<T>(action: () => T): Promise<T>;
  putSync(key: string, value: Buffer): void;
  removeSync(key: string): boolean;
  flushed: Promise<boolean>;
  close(): Promise<void>;
}

const lmdb: Candidate = {
  name: "lmdb 3.5.6",
  missing: () => (optional("lmdb") ? undefined : "not installed"),
  open(dir) {
    const mod = optional<{ open(options: Record<string, unknown>): LmdbDatabase }>("lmdb");
    if (!mod) throw new Error("lmdb is not installed");
    const db = mod.open({ path: `${dir}/waits.lmdb`, encoding: "binary", compression: false });
    const index = new Map<string, Fields>();
    for (const { key, value } of db.getRange({ start: "m:", end: "m;" })) {
      const fields = JSON.parse(value.toString("utf8")) as Fields;
      index.set(key.slice(2), fields);
    }
    const write = async (action: () => void, durable: boolean): Promise<void> => {
      await db.transaction(action);
      // overlappingSync (the default off Windows) resolves on commit; the flush to disk comes after.
      if (durable) await db.flushed;
    };
    return Promise.resolve({
      async add(wait, msg) {
        const message = encodeMessage(msg);
        const fields: Fields = { ...wait, id: newId(), attempts: 0 };
        index.set(fields.id, fields);
        await write(() => {
          db.putSync(`m:${fields.id}`, Buffer.from(JSON.stringify(fields)));
          db.putSync(`b:${fields.id}`, message);
        }, true);
        return fields.id;
      },
      async update(id, progress) {
        const fields = index.get(id);
        if (!fields) return;
        Object.assign(fields, progress);
        await write(() => db.putSync(`m:${id}`, Buffer.from(JSON.stringify(fields))), false);
      },
      async remove(id) {
        index.delete(id);
        await write(() => {
          db.removeSync(`m:${id}`);
          db.removeSync(`b:${id}`);
        }, true);
      },
      get size() {
        return index.size;
      },
      ids: () => [...index.keys()],
      readMessage: (id) => Promise.resolve(db.get(`b:${id}`) ?? Buffer.alloc(0)),
      close: () => db.close(),
    });
  },
};

// --- classic-level (LevelDB): prebuilt binaries inside its own tarball ---

interface LevelIterator {
  nextv(size: number): Promise<Array<[string, Buffer]>>;
  close(): Promise<void>;
}

interface LevelDatabase {
  open(): Promise<void>;
  batch(
    ops: Array<{ type: "put"; key: string; value: Buffer } | { type: "del"; key: string }>,
    options?: { sync?: boolean },
  ): Promise<void>;
  put(key: string, value: Buffer, options?: { sync?: boolean }): Promise<void>;
  get(key: string): Promise<Buffer | undefined>;
  iterator(options: { gte: string; lt: string }): LevelIterator;
  compactRange(start: string, end: string): Promise<void>;
  close(): Promise<void>;
}

const classicLevel: Candidate = {
  name: "classic-level 3.0.0",
  missing: () => (optional("classic-level") ? undefined : "not installed"),
  async open(dir) {
    const mod = optional<{
      ClassicLevel: new (location: string, options: Record<string, unknown>) => LevelDatabase;
    }>("classic-level");
    if (!mod) throw new Error("classic-level is not installed");
    const db = new mod.ClassicLevel(`${dir}/waits.level`, { keyEncoding: "utf8", valueEncoding: "buffer" });
    await db.open();
    const index = new Map<string, Fields>();
    const it = db.iterator({ gte: "m:", lt: "m;" });
    for (let batch = await it.nextv(1000); batch.length > 0; batch = await it.nextv(1000)) {
      for (const [key, value] of batch) index.set(key.slice(2), JSON.parse(value.toString("utf8")) as Fields);
    }
    await it.close();
    return {
      async add(wait, msg) {
        const message = encodeMessage(msg);
        const fields: Fields = { ...wait, id: newId(), attempts: 0 };
        index.set(fields.id, fields);
        await db.batch(
          [
            { type: "put", key: `m:${fields.id}`, value: Buffer.from(JSON.stringify(fields)) },
            { type: "put", key: `b:${fields.id}`, value: message },
          ],
          { sync: true },
        );
        return fields.id;
      },
      async update(id, progress) {
        const fields = index.get(id);
        if (!fields) return;
        Object.assign(fields, progress);
        await db.put(`m:${id}`, Buffer.from(JSON.stringify(fields)));
      },
      async remove(id) {
        index.delete(id);
        await db.batch(
          [
            { type: "del", key: `m:${id}` },
            { type: "del", key: `b:${id}` },
          ],
          { sync: true },
        );
      },
      get size() {
        return index.size;
      },
      ids: () => [...index.keys()],
      readMessage: async (id) => (await db.get(`b:${id}`)) ?? Buffer.alloc(0),
      compact: () => db.compactRange("a", "z"),
      close: () => db.close(),
    };
  },
};

export const CANDIDATES: readonly Candidate[] = [journal, lmdb, classicLevel];
