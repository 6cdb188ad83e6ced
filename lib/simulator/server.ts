import { createServer, Socket } from "node:net";
import { SanteError } from "../errors";
import { encodeSingleLine, encodeStudyList, SingleLineDecoder } from "../sante/framing";
import type { Answer, Catalog } from "./catalog";
import { learnStudy } from "./learn";
import { eventLogLine, requestLogLine } from "./request-log";
import type { RunningSimulator, SimulatorOptions } from "./types";

export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_PORT = 2575;
const DEFAULT_MAX_REQUEST_BYTES = 4096;
/** A client that goes quiet this long is dropped, so a forgotten connection cannot hold the simulator open. */
const IDLE_TIMEOUT_MS = 60_000;

type ServeOptions = Omit<SimulatorOptions, "data" | "synthetic">;

/** Listens and answers requests from `catalog`; resolves once listening. */
export function serveCatalog(catalog: Catalog, options: ServeOptions = {}): Promise<RunningSimulator> {
  const host = options.host ?? DEFAULT_HOST;
  const port = options.port ?? DEFAULT_PORT;
  const keepAlive = options.keepAlive ?? true;
  const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const log = options.log ?? (() => undefined);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    return Promise.reject(
      new SanteError("SANTE_INVALID_INPUT", `port must be a whole number from 0 to 65535, got ${port}`),
    );
  }
  if (!Number.isSafeInteger(maxRequestBytes) || maxRequestBytes < 2) {
    return Promise.reject(
      new SanteError("SANTE_INVALID_INPUT", `maxRequestBytes must be a whole number ≥ 2, got ${maxRequestBytes}`),
    );
  }

  const sockets = new Set<Socket>();
  let requests = 0;
  let peak = 0;

  const server = createServer((socket) => {
    sockets.add(socket);
    peak = Math.max(peak, sockets.size);
    socket.once("close", () => sockets.delete(socket));
    serveConnection(socket, {
      catalog,
      keepAlive,
      maxRequestBytes,
      log,
      onAnswered: () => requests++,
    });
  });

  let closing: Promise<void> | undefined;
  const running: RunningSimulator = {
    host,
    port,
    get requests() {
      return requests;
    },
    get openConnections() {
      return sockets.size;
    },
    get peakConnections() {
      return peak;
    },
    resetPeak() {
      peak = sockets.size;
    },
    addStudy(patientId, studyInstanceUid, token) {
      return learnStudy(catalog, { patientId, studyInstanceUid, token }, "addStudy()", log);
    },
    close() {
      // Waits for each socket's own "close" too, so openConnections is 0 when this resolves.
      closing ??= Promise.all([
        new Promise<void>((resolve) => server.close(() => resolve())),
        ...[...sockets].map((socket) => {
          const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
          socket.destroy();
          return closed;
        }),
      ]).then(() => undefined);
      return closing;
    },
  };

  return new Promise((resolve, reject) => {
    server.once("error", (err) => {
      reject(
        new SanteError("SANTE_CONNECTION", `Simulator cannot listen on ${host}:${port}: ${err.message}`, {
          cause: err,
        }),
      );
    });
    server.listen(port, host, () => {
      server.removeAllListeners("error");
      server.on("error", (err) => log(eventLogLine("server", `error: ${err.message}`)));
      const address = server.address();
      if (address !== null && typeof address === "object") {
        running.host = address.address;
        running.port = address.port;
      }
      resolve(running);
    });
  });
}

interface ConnectionContext {
  catalog: Catalog;
  keepAlive: boolean;
  maxRequestBytes: number;
  log: (line: string) => void;
  onAnswered: () => void;
}

function serveConnection(socket: Socket, ctx: ConnectionContext): void {
  // Read now: a destroyed socket no longer knows its peer.
  const peer = `${socket.remoteAddress}:${socket.remotePort}`;
  const decoder = new SingleLineDecoder({ maxFrameBytes: ctx.maxRequestBytes });
  let finished = false;

  socket.setTimeout(IDLE_TIMEOUT_MS, () => {
    ctx.log(eventLogLine(peer, `idle for ${IDLE_TIMEOUT_MS / 1000} s, connection closed`));
    socket.destroy();
  });
  // A client resetting the connection is its own business; without a listener it would crash the process.
  socket.on("error", () => undefined);
  socket.on("end", () => {
    if (decoder.midFrame && !finished) ctx.log(eventLogLine(peer, "connection ended inside a request"));
  });

  socket.on("data", (chunk: Buffer) => {
    if (finished) return;
    let frames: string[];
    try {
      frames = decoder.push(chunk);
    } catch (err) {
      finished = true;
      // The shared decoder words its errors for replies (its main user is the client).
      ctx.log(
        eventLogLine(
          peer,
          `malformed request, connection closed: ${(err as Error).message.replace(/\breply\b/g, "request")}`,
        ),
      );
      socket.destroy();
      return;
    }
    for (const request of frames) {
      const answer = ctx.catalog.answer(request);
      ctx.log(requestLogLine(peer, request, answer));
      if (!socket.writable) return;
      socket.write(encodeAnswer(answer));
      ctx.onAnswered();
      if (!ctx.keepAlive) {
        // Requests after the first in the same chunk go unanswered, as with a server that hangs up after one reply.
        finished = true;
        socket.end();
        return;
      }
    }
    // A client that sends without reading must not make the simulator buffer replies without bound.
    if (socket.writableNeedDrain) {
      socket.pause();
      socket.once("drain", () => socket.resume());
    }
  });
}

function encodeAnswer(answer: Answer): Buffer {
  switch (answer.kind) {
    case "study":
      return encodeSingleLine(answer.token);
    case "patient":
      return encodeStudyList(answer.studies);
    case "unknown":
      return encodeSingleLine("");
  }
}
