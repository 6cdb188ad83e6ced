/** The part of Node-RED's embedding API (`require("node-red")`) the demo uses; node-red ships no types. */
import type { IncomingMessage, Server, ServerResponse } from "node:http";

export type RequestHandler = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

export interface NodeRedLogMessage {
  /** 10 fatal, 20 error, 30 warn, 40 info, 50 debug, 60 trace, 98 audit, 99 metric. */
  level: number;
  msg: unknown;
  type?: string;
  id?: string;
  name?: string;
  timestamp?: number;
}

export interface EmbeddedNodeRed {
  init(server: Server, settings: object): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Node-RED's event bus: "flows:started" once the flows run. */
  readonly events: {
    once(event: string, listener: () => void): unknown;
    removeListener(event: string, listener: () => void): unknown;
  };
  /** Express apps, valid after init(). */
  readonly httpAdmin: RequestHandler;
  readonly httpNode: RequestHandler;
}

/** This project's node-red, or the node-red package in `dir` (an absolute path). */
export function loadNodeRed(dir?: string): EmbeddedNodeRed {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- no type declarations; the shape is declared above
  return require(dir ?? "node-red") as EmbeddedNodeRed;
}
