/**
 * The demo's simulated HIS: the far end of example 01's `hl7 send`. An MLLP receiver (lib/mllp's MllpServer) that
 * files each message it gets (HisResults), then acknowledges it with buildAck: AA, or AR for bytes that are not HL7
 * (buildAck's own answer). Like a HIS that acknowledges what it has stored, it answers only once the result is in
 * the results file, so an AA result is on the HIS page after any restart of the demo.
 */
import { buildAck, readHl7Header } from "../lib/hl7";
import { MllpServer } from "../lib/mllp";
import type { HisResults } from "./his-results";

export interface RunningHis {
  host: string;
  port: number;
  close(): Promise<void>;
}

export interface HisOptions {
  host: string;
  port: number;
  results: HisResults;
  /** One line per result received, for the demo's console. */
  log?: (line: string) => void;
}

/** Listens; rejects with SANTE_CONNECTION when the port is taken. */
export async function startHis(options: HisOptions): Promise<RunningHis> {
  const { results, log } = options;
  const server = new MllpServer({ host: options.host, port: options.port });
  server.on("message", (received) => {
    const text = received.text;
    try {
      readHl7Header(text);
    } catch {
      // Not HL7: buildAck answers AR (with the reader's reason in ERR), and nothing is filed.
      received.reply(buildAck(text, "AR"));
      return;
    }
    results.add(text).then(
      (result) => {
        received.reply(buildAck(text, "AA"));
        log?.(
          `HIS: ${result.messageType || "a message"} ${result.controlId} for patient ${result.patientId || "?"}` +
            (result.link === "" ? ", without a link" : `, link to study ${result.studyInstanceUid || "?"}`),
        );
      },
      (err: unknown) => {
        // Not filed: no ACK, so the sender sends it again.
        log?.(`HIS: cannot file a message: ${(err as Error).message}`);
        received.closeWithoutReply();
      },
    );
  });
  // An error of the listening socket after listen() (out of file descriptors): the sender's retries cover it.
  server.on("error", (err) => log?.(`HIS: ${err.message}`));
  const address = await server.listen();
  return { host: options.host, port: address.port, close: () => server.close() };
}
