/** Public shapes of the simulator API (re-exported by lib/api.ts; keep stable). */

export interface SimStudy {
  studyInstanceUid: string;
  /** Left out: a stable token is derived from the UID. */
  token?: string;
}

export interface SimPatient {
  patientId: string;
  studies: SimStudy[];
}

export interface SimAddedStudy {
  patientId: string;
  studyInstanceUid: string;
  /** The token the simulator answers for it. */
  token: string;
  /** false: it was known already. */
  added: boolean;
}

export interface SimulatorOptions {
  /** Default "127.0.0.1". */
  host?: string;
  /** Default 2575; 0 = an ephemeral port (read it back from RunningSimulator.port). */
  port?: number;
  /** Patients, or a path to a .json or .csv data file; added to the vendor examples, which are always served. */
  data?: SimPatient[] | string;
  /** Add this many generated patients (same ones in every run). Default 0. */
  synthetic?: number;
  /** Default true: a connection may carry further requests; false: the server ends it after each reply. */
  keepAlive?: boolean;
  /** One line per request. Default: no logging (the CLI logs to stdout). */
  log?: (line: string) => void;
  /** Default 4096: a request frame larger than this closes the connection. */
  maxRequestBytes?: number;
}

export interface RunningSimulator {
  /** Bound address; port is the real one when 0 was asked. */
  host: string;
  port: number;
  /** Requests answered so far. */
  readonly requests: number;
  /** Sockets open now. */
  readonly openConnections: number;
  /** Most sockets open at once since start or the last resetPeak(). */
  readonly peakConnections: number;
  resetPeak(): void;
  /**
   * Makes the PACS know a study from now on, as when its images arrive after the order. The values are checked as a
   * data file's are (a bad one throws SANTE_INVALID_INPUT and changes nothing); without a token the study gets its
   * stable derived one. Adding a study the simulator knows already, under the same patient, changes nothing
   * (`added: false`). The patient's list of studies includes it from the next request on.
   */
  addStudy(patientId: string, studyInstanceUid: string, token?: string): SimAddedStudy;
  /** Stops listening and destroys every socket; resolves when all are gone. */
  close(): Promise<void>;
}
