import { EventEmitter } from "node:events";
import { SanteError, toSanteError } from "../errors";
import {
  encodeSingleLine,
  SingleLineDecoder,
  StudyListDecoder,
  type LineFrameDecoder,
  type StudyEntry,
} from "./framing";
import { isPromise } from "../util/is-promise";
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
  private readonly inFlightStudies = new Map<string, Promise<StudyLookup>>();
  private inFlight = 0;
  private readonly newStudyDecoder: () => SingleLineDecoder;
  private readonly newStudyListDecoder: () => StudyListDecoder;

  constructor(options: SanteClientOptions = {}) {
    super();
    this.options = resolveClientOptions(options);
    this.pool = new ConnectionPool(this.options);
    const decoderOptions = { maxFrameBytes: this.options.maxReplyBytes };
    this.newStudyDecoder = () => new SingleLineDecoder(decoderOptions);
    this.newStudyListDecoder = () => new StudyListDecoder(decoderOptions);
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
  studyToken(studyInstanceUid: unknown): Promise<string> {
    return this.lookupStudy(studyInstanceUid).then((found) => found.token);
  }

  /** Every study of a patient with its token, in the PACS's order; [] when it has none. */
  async patientStudies(patientId: unknown): Promise<StudyEntry[]> {
    return (await this.lookupPatient(patientId)).studies;
  }

  /**
   * Like studyToken(), and tells whether the PACS was asked. Written without
   * async/await: a lookup is one promise made here (shared by identical
   * lookups in flight) and one for each caller, and reaches the pool in the
   * same turn as the call when the cache answers at once (memory) or is off.
   */
  lookupStudy(studyInstanceUid: unknown): Promise<StudyLookup> {
    let uid: string;
    try {
      uid = validateStudyInstanceUid(studyInstanceUid);
    } catch (err) {
      // SANTE_INVALID_INPUT, as a rejection like every other failure.
      return Promise.reject(toSanteError(err));
    }
    const known = this.recall(uid);
    if (known === undefined) return this.fetchStudy(uid);
    if (!isPromise(known)) return Promise.resolve({ studyInstanceUid: uid, token: known, cached: true });
    return known.then((token) =>
      token === undefined ? this.fetchStudy(uid) : { studyInstanceUid: uid, token, cached: true },
    );
  }

  /** Like patientStudies(), and tells whether the PACS was asked. */
  async lookupPatient(patientId: unknown): Promise<PatientLookup> {
    const id = validatePatientId(patientId);
    const known = this.patients?.get(id);
    if (known) return { patientId: id, studies: known.map((s) => ({ ...s })), cached: true };
    const studies = await this.lookup(id, this.newStudyListDecoder);
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

  /**
   * Asks the PACS, or joins the identical lookup already on its way. The
   * caller that asked gets the request's own promise; one that joins gets a
   * copy of the answer, so no two callers share an object.
   */
  private fetchStudy(uid: string): Promise<StudyLookup> {
    const shared = this.inFlightStudies.get(uid);
    return shared ? shared.then((found) => ({ ...found })) : this.askStudy(uid);
  }

  /**
   * One request to the PACS, shared while in flight; settles once the token is
   * stored, and only then stops being shared. A request the pool refuses at
   * once (SANTE_BUSY, SANTE_CLOSED) is never shared.
   */
  private askStudy(uid: string): Promise<StudyLookup> {
    let settled = false;
    const asked = new Promise<StudyLookup>((resolve, reject) => {
      const end = (err: Error | undefined, token?: string) => {
        settled = true;
        this.inFlightStudies.delete(uid);
        if (err) reject(err);
        else resolve({ studyInstanceUid: uid, token: token as string, cached: false });
      };
      this.request<string>(uid, this.newStudyDecoder, (err, token) => {
        if (err) return end(err);
        if (token === "") {
          return end(new SanteError("SANTE_NOT_FOUND", `Study ${uid} is not known to the PACS at ${this.address}`));
        }
        const stored = this.rememberAll([{ studyInstanceUid: uid, token: token as string }]);
        if (stored) stored.then(() => end(undefined, token), end);
        else end(undefined, token);
      });
    });
    if (!settled) this.inFlightStudies.set(uid, asked);
    return asked;
  }

  /**
   * The cached token, undefined, or a promise of either (a store that answers
   * later). The cache only saves round trips: a store that fails (say, a
   * context store on a full disk) must not fail a lookup the PACS can answer,
   * so its errors count as misses.
   */
  private recall(uid: string): string | undefined | Promise<string | undefined> {
    const store = this.tokens;
    if (!store) return undefined;
    try {
      const known = store.get(uid);
      return isPromise(known) ? known.catch(() => undefined) : known;
    } catch {
      return undefined;
    }
  }

  /** Stores each study's token; a synchronous store (the memory cache) costs no promise at all. */
  private rememberAll(studies: readonly StudyEntry[]): Promise<void> | undefined {
    const store = this.tokens;
    if (!store) return undefined;
    const waits: Promise<void>[] = [];
    for (const s of studies) {
      try {
        const stored = store.set(s.studyInstanceUid, s.token);
        if (stored) waits.push(stored.catch(() => undefined));
      } catch {
        // See recall().
      }
    }
    return waits.length > 0 ? Promise.all(waits).then(() => undefined) : undefined;
  }

  private lookup<T>(text: string, newDecoder: () => LineFrameDecoder<T>): Promise<T> {
    return new Promise<T>((resolve, reject) =>
      this.request<T>(text, newDecoder, (err, value) => (err ? reject(err) : resolve(value as T))),
    );
  }

  /** Sends one request frame through the pool; counts it as pending until `done` is called, once. */
  private request<T>(
    text: string,
    newDecoder: () => LineFrameDecoder<T>,
    done: (err: Error | undefined, value?: T) => void,
  ): void {
    let frame: Buffer;
    try {
      frame = encodeSingleLine(text);
    } catch (err) {
      return done(err as Error);
    }
    this.changePending(1);
    this.pool.request(frame, newDecoder, (err, value) => {
      this.changePending(-1);
      // The value is what this request's own decoder produced, so it is a T.
      done(err, value as T);
    });
  }

  private changePending(delta: number): void {
    this.inFlight += delta;
    if (this.listenerCount("pending") > 0) this.emit("pending", this.inFlight);
  }
}
