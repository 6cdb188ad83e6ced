/**
 * The far side of the HL7 output nodes in tests: a HIS that acknowledges over MLLP (our own MllpServer and
 * buildAck, real TCP), and the flow pieces the hl7 send and result tests share.
 */
import type { TlsOptions } from "node:tls";
import { buildAck, readHl7Header, type AckCode } from "../../lib/hl7";
import { MllpServer } from "../../lib/mllp";
import type { NodeMessage } from "../../nodes/glue/node-red-types";
import { leakCheckEach } from "./handles";
import type { MllpFaultServer } from "./mllp-fault-server";
import { helper } from "./nr-helper";

export interface FakeHis {
  readonly port: number;
  /** Messages received, in order, as text (UTF-8) and as the bytes that came. */
  readonly received: string[];
  readonly receivedBytes: Buffer[];
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/** A HIS answering each message with `code(message)` (AA by default), built by buildAck; undefined: no answer. */
export async function startFakeHis(
  code: (message: string, nth: number) => AckCode | undefined = () => "AA",
  options: { tls?: TlsOptions } = {},
): Promise<FakeHis> {
  const server = new MllpServer({ port: 0, host: "127.0.0.1", ...options });
  const received: string[] = [];
  const receivedBytes: Buffer[] = [];
  server.on("message", (m) => {
    received.push(m.text);
    receivedBytes.push(m.bytes);
    const answer = code(m.text, received.length);
    if (answer === undefined) return;
    const error = answer === "AA" || answer === "CA" ? {} : { error: { code: "HIS_ERROR", message: "refused" } };
    m.reply(buildAck(m.text, answer, error));
  });
  let connections = 0;
  server.on("connection", () => connections++);
  server.on("error", () => undefined);
  const { port } = await server.listen();
  return {
    port,
    received,
    receivedBytes,
    get connections() {
      return connections;
    },
    close: () => server.close(),
  };
}

/** A `sante-hl7-endpoint` config node as the editor saves it: numbers as strings. */
export function endpointDef(port: number | string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "his",
    type: "sante-hl7-endpoint",
    name: "",
    host: "127.0.0.1",
    port: String(port),
    timeout: "2000",
    connections: "1",
    ...extra,
  };
}

/** What the `sante-hl7-in` node puts on msg.hl7 (the contract in tools/HL7-NODES.md): the header and the text. */
export function hl7Of(message: string): NodeMessage {
  return { ...readHl7Header(message), message, listener: "listener-id", messageId: "1:1" };
}

/** A small order with the given control ID (MSH-10). */
export function order(controlId: string): string {
  return (
    `MSH|^~\\&|RIS|GENERAL_HOSPITAL|SANTE_PACS|RADIOLOGY|20240115103000||ORM^O01^ORM_O01|${controlId}|P|2.5.1\r` +
    "PID|1||ID1^^^GENERAL_HOSPITAL^MR||DOE^JANE\rORC|NW|ORD1|ACC1\rOBR|1|ORD1|ACC1|CT^CT head^L\r"
  );
}

/** The receivers one test starts: a HIS that acknowledges, or a raw server that misbehaves. */
export interface Receivers {
  his?: FakeHis;
  fault?: MllpFaultServer;
}

/**
 * For a describe() of flow tests: after each test its flow is unloaded and the receivers it put here are closed,
 * then nothing may be left open (sockets, servers, timers: leakCheckEach).
 */
export function receiversPerTest(): Receivers {
  const receivers: Receivers = {};
  leakCheckEach(async () => {
    await helper.unload();
    await receivers.his?.close();
    await receivers.fault?.close();
    receivers.his = undefined;
    receivers.fault = undefined;
  });
  return receivers;
}
