import type { TokenStore } from "../../lib/sante";
import { pacsContextKey, tokenContextKey } from "../../lib/sante/token-cache-key";

/**
 * Node-RED's global context, in the callback forms: persistent and remote
 * stores (localfilesystem without cache, Redis) only answer asynchronously.
 * Checked against @node-red/runtime lib/nodes/context/index.js (4.1).
 */
export interface GlobalContext {
  get(key: string, store: string, callback: (err: Error | null | undefined, value?: unknown) => void): void;
  set(key: string, value: unknown, store: string, callback: (err?: Error | null) => void): void;
}

/** A node as far as its context goes (`this.context()` in a node's constructor). */
export interface HasContext {
  context(): { global: GlobalContext };
}

/**
 * Study tokens in a named Node-RED context store, under
 * `santeTokens["<host>:<port>"]["<study uid>"]`: with `localfilesystem` they
 * survive restarts, with a shared store several Node-RED instances share them.
 *
 * The store holds at most `maxSize` tokens per PACS. It cannot keep an LRU
 * order cheaply (every read would be a write), so when the count passes
 * `maxSize` the oldest-written tokens go, down to nine tenths of it so that the
 * whole-object rewrite happens once per many new tokens, not on every one.
 */
export class ContextTokenStore implements TokenStore {
  /** Tokens this process believes the store holds for the PACS; undefined until first counted. */
  private count: number | undefined;

  constructor(
    private readonly global: GlobalContext,
    private readonly storeName: string,
    private readonly pacs: string,
    private readonly maxSize: number,
  ) {}

  async get(studyInstanceUid: string): Promise<string | undefined> {
    const value = await this.read(tokenContextKey(this.pacs, studyInstanceUid));
    return typeof value === "string" && value !== "" ? value : undefined;
  }

  async set(studyInstanceUid: string, token: string): Promise<void> {
    await this.write(tokenContextKey(this.pacs, studyInstanceUid), token);
    // Counting is approximate (a token written twice counts twice, other
    // instances write too); trim() counts for real before removing anything.
    this.count = this.count === undefined ? Object.keys(await this.all()).length : this.count + 1;
    if (this.count > this.maxSize) this.count = await this.trim();
  }

  private async trim(): Promise<number> {
    const entries = Object.entries(await this.all()).filter(([, token]) => typeof token === "string");
    if (entries.length <= this.maxSize) return entries.length;
    const kept = entries.slice(entries.length - (this.maxSize - Math.floor(this.maxSize / 10)));
    await this.write(pacsContextKey(this.pacs), Object.fromEntries(kept));
    return kept.length;
  }

  private async all(): Promise<Record<string, unknown>> {
    const value = await this.read(pacsContextKey(this.pacs));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  }

  private read(key: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.global.get(key, this.storeName, (err, value) => (err ? reject(err) : resolve(value)));
    });
  }

  private write(key: string, value: unknown): Promise<void> {
    return new Promise((resolve, reject) => {
      this.global.set(key, value, this.storeName, (err) => (err ? reject(err) : resolve()));
    });
  }
}
