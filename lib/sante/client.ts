import { EventEmitter } from "node:events";
import { SanteError } from "../errors";
import {
  encodeSingleLine,
  SingleLineDecoder,
  StudyListDecoder,
  type LineFrameDecoder,
  type StudyEntry,
} from "./framing";
import { Lru } from "../util/lru";
import { ConnectionPool } from "./pool";
import { resolveClientOptions, type ResolvedClientOptions, type SanteClientOptions } from "./client-options";
import { MemoryTokenStore, type TokenStore } from "./token-store";
import { validatePatientId, validateStudyInstanceUid } from "./validate";

export interface SanteClientEvents {
  /** Lookups queued or in flight; emitted whenever the number changes. */
  pending: [count: number];
}

export interface StudyLookup {
  studyInstanceUid: string;
  token: string;
  /** True when the answer came from the cache and the PACS was not asked. */
  cached: boolean;
}

export interface PatientLookup {
  patientId: string;
  studies: StudyEntry[];
  cached: boolean;
}

/**
 * Looks up study tokens on one Sante PACS Server's HL7 port. Inputs are
 * validated before any byte is sent; every call settles exactly once, with a
 * value or a SanteError. Tokens are permanent, so they are cached; identical
 * study lookups in flight at the same moment share one request.
 */
export class SanteClient extends EventEmitter<SanteClientEvents> {
  private readonly options: ResolvedClientOptions;
  private readonly pool: ConnectionPool;
  private readonly tokens: TokenStore | undefined;
  private readonly patients: Lru<string, StudyEntry[]> | undefined;
  private readonly inFlightStudies = new Map<string, Promise<string>>();
  private inFlight = 0;

  constructor(options: SanteClientOptions = {}) {
    super();
    this.options = resolveClientOptions(options);
    this.pool = new ConnectionPool(this.options);
    const store = this.options.tokenStore;
    this.tokens =
      typeof store === "function"
        ? store(this.options)
        : (store ?? (this.options.cacheSize > 0 ? new MemoryTokenStore(this.options.cacheSize) : undefined));
    if (this.options.patientCacheSeconds > 0 && this.options.cacheSize > 0) {
      this.patients = new Lru(this.options.cacheSize);
    }
  }

  /** "host:port" of the PACS's HL7 port, for messages and status. */
  get address(): string {
    return this.pool.address;
  }

  /** Lookups queued or in flight. */
  get pending(): number {
    return this.inFlight;
  }

  /** Most lookups that may wait; callers that queue on their own side keep to it too. */
  get queueLimit(): number {
    return this.options.queueLimit;
  }

  /** Lookups waiting for a connection. */
  get queued(): number {
    return this.pool.queued;
  }

  /** True while the circuit breaker refuses to connect (the PACS could not be reached). */
  get unreachable(): boolean {
    return this.pool.unreachable;
  }

  /** The token of one study. An unknown study is SANTE_NOT_FOUND. */
  async studyToken(studyInstanceUid: unknown): Promise<string> {
    return (await this.lookupStudy(studyInstanceUid)).token;
  }

  /** Every study of a patient with its token, in the PACS's order; [] when it has none. */
  async patientStudies(patientId: unknown): Promise<StudyEntry[]> {
    return (await this.lookupPatient(patientId)).studies;
  }

  /** Like studyToken(), and tells whether the PACS was asked. */
  async lookupStudy(studyInstanceUid: unknown): Promise<StudyLookup> {
    const uid = validateStudyInstanceUid(studyInstanceUid);
    const known = await this.recall(uid);
    if (known !== undefined) return { studyInstanceUid: uid, token: known, cached: true };
    let shared = this.inFlightStudies.get(uid);
    if (!shared) {
      shared = this.askStudy(uid).finally(() => this.inFlightStudies.delete(uid));
      this.inFlightStudies.set(uid, shared);
    }
    return { studyInstanceUid: uid, token: await shared, cached: false };
  }

  /** Like patientStudies(), and tells whether the PACS was asked. */
  async lookupPatient(patientId: unknown): Promise<PatientLookup> {
    const id = validatePatientId(patientId);
    const known = this.patients?.get(id);
    if (known) return { patientId: id, studies: known.map((s) => ({ ...s })), cached: true };
    const studies = await this.lookup(id, () => new StudyListDecoder({ maxFrameBytes: this.options.maxReplyBytes }));
    this.patients?.set(
      id,
      studies.map((s) => ({ ...s })),
      this.options.patientCacheSeconds * 1000,
    );
    // Tokens learnt from a patient's list answer later study lookups too.
    await this.rememberAll(studies);
    return { patientId: id, studies, cached: false };
  }

  /** Ends every socket; lookups queued or in flight fail with SANTE_CLOSED. */
  close(): Promise<void> {
    return this.pool.close();
  }

  private async askStudy(uid: string): Promise<string> {
    const token = await this.lookup<string>(
      uid,
      () => new SingleLineDecoder({ maxFrameBytes: this.options.maxReplyBytes }),
    );
    if (token === "") {
      throw new SanteError("SANTE_NOT_FOUND", `Study ${uid} is not known to the PACS at ${this.address}`);
    }
    await this.rememberAll([{ studyInstanceUid: uid, token }]);
    return token;
  }

  // The cache only saves round trips: a store that fails (say, a context store on a
  // full disk) must not fail a lookup the PACS can answer, so its errors count as misses.
  private async recall(uid: string): Promise<string | undefined> {
    try {
      return await this.tokens?.get(uid);
    } catch {
      return undefined;
    }
  }

  /** Stores each study's token; a synchronous store (the memory cache) costs no promise per study. */
  private async rememberAll(studies: readonly StudyEntry[]): Promise<void> {
    const store = this.tokens;
    if (!store) return;
    const waits: Promise<void>[] = [];
    for (const s of studies) {
      try {
        const stored = store.set(s.studyInstanceUid, s.token);
        if (stored) waits.push(stored.catch(() => undefined));
      } catch {
        // See recall().
      }
    }
    if (waits.length > 0) await Promise.all(waits);
  }

  private lookup<T>(text: string, newDecoder: () => LineFrameDecoder<T>): Promise<T> {
    const frame = encodeSingleLine(text);
    return new Promise<T>((resolve, reject) => {
      this.changePending(1);
      this.pool.request(
        frame,
        newDecoder,
        (value) => {
          this.changePending(-1);
          // The value is what this request's own decoder produced, so it is a T.
          resolve(value as T);
        },
        (err) => {
          this.changePending(-1);
          reject(err);
        },
      );
    });
  }

  private changePending(delta: number): void {
    this.inFlight += delta;
    if (this.listenerCount("pending") > 0) this.emit("pending", this.inFlight);
  }
}
