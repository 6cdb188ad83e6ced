import { EventEmitter } from "node:events";
import { SanteError } from "./errors";
import { encodeSingleLine, SingleLineDecoder, StudyListDecoder, type LineFrameDecoder, type StudyEntry } from "./framing";
import { Lookup } from "./lookup";
import { ConnectionPool } from "./pool";
import { resolveClientOptions, type ResolvedClientOptions, type SanteClientOptions } from "./client-options";
import { validatePatientId, validateStudyInstanceUid } from "./validate";

export interface SanteClientEvents {
  /** Lookups queued or in flight; emitted whenever the number changes. */
  pending: [count: number];
}

/**
 * Looks up study tokens on one Sante PACS Server's HL7 port. Inputs are
 * validated before any byte is sent; every call settles exactly once, with a
 * value or a SanteError.
 */
export class SanteClient extends EventEmitter<SanteClientEvents> {
  private readonly options: ResolvedClientOptions;
  private readonly pool: ConnectionPool;
  private inFlight = 0;

  constructor(options: SanteClientOptions = {}) {
    super();
    this.options = resolveClientOptions(options);
    this.pool = new ConnectionPool(this.options);
  }

  /** "host:port" of the PACS's HL7 port, for messages and status. */
  get address(): string {
    return this.pool.address;
  }

  /** Lookups queued or in flight. */
  get pending(): number {
    return this.inFlight;
  }

  /** Lookups waiting for a connection. */
  get queued(): number {
    return this.pool.queued;
  }

  /** The token of one study. An unknown study is SANTE_NOT_FOUND. */
  async studyToken(studyInstanceUid: unknown): Promise<string> {
    const uid = validateStudyInstanceUid(studyInstanceUid);
    const token = await this.lookup<string>(uid, () => new SingleLineDecoder({ maxFrameBytes: this.options.maxReplyBytes }));
    if (token === "") {
      throw new SanteError("SANTE_NOT_FOUND", `Study ${uid} is not known to the PACS at ${this.address}`);
    }
    return token;
  }

  /** Every study of a patient with its token, in the PACS's order; [] when it has none. */
  patientStudies(patientId: unknown): Promise<StudyEntry[]> {
    let id: string;
    try {
      id = validatePatientId(patientId);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.lookup(id, () => new StudyListDecoder({ maxFrameBytes: this.options.maxReplyBytes }));
  }

  /** Ends every socket; lookups queued or in flight fail with SANTE_CLOSED. */
  close(): Promise<void> {
    return this.pool.close();
  }

  private lookup<T>(text: string, newDecoder: () => LineFrameDecoder<T>): Promise<T> {
    const frame = encodeSingleLine(text);
    return new Promise<T>((resolve, reject) => {
      this.changePending(1);
      const lookup = new Lookup(
        frame,
        newDecoder,
        (value) => {
          this.changePending(-1);
          // The value is what this lookup's own decoder produced, so it is a T.
          resolve(value as T);
        },
        (err) => {
          this.changePending(-1);
          reject(err);
        },
      );
      this.pool.enqueue(lookup);
    });
  }

  private changePending(delta: number): void {
    this.inFlight += delta;
    if (this.listenerCount("pending") > 0) this.emit("pending", this.inFlight);
  }
}
