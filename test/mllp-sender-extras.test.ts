/**
 * What the HL7 output nodes need of lib/mllp beyond sending: withdrawing messages not yet sent (a node closed
 * while its messages wait), a connection test that sends nothing, and the endpoint node's settings read
 * without Node-RED. Real TCP.
 */
import { strict as assert } from "node:assert";
import * as net from "node:net";
import { MLLP_CLIENT_DEFAULTS, MLLP_CLIENT_LIMITS, MllpClient, probeMllpReceiver, SanteError } from "../lib/api";
import { readSenderOptions } from "../lib/mllp/sender-settings";
import { freePort } from "./helpers/fault-server";
import { failure } from "./helpers/failure";
import { leakCheckEach } from "./helpers/handles";
import { startMllpFaultServer, type MllpFaultServer } from "./helpers/mllp-fault-server";
import { ack, frame, hl7 } from "./helpers/mllp-peer";
import { selfSigned } from "./helpers/self-signed";

describe("MllpClient: withdrawing messages not yet sent (send's signal)", function () {
  this.timeout(10000);
  let server: MllpFaultServer | undefined;
  let client: MllpClient | undefined;

  leakCheckEach(async () => {
    await client?.close();
    await server?.close();
    client = undefined;
    server = undefined;
  });

  it("drops the messages still queued, never sends them, and lets the one on the wire finish", async () => {
    let answer: (() => void) | undefined;
    server = await startMllpFaultServer((socket, id) => (answer = () => socket.write(frame(ack(id)))));
    client = new MllpClient({ port: server.port, connections: 1, timeout: 5000 });
    const node = new AbortController();
    const first = client.send(hl7("ON-WIRE"), { signal: node.signal });
    const queued = [client.send(hl7("Q1"), { signal: node.signal }), client.send(hl7("Q2"), { signal: node.signal })];
    const other = client.send(hl7("OTHER-NODE"));
    while (server.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));

    node.abort(new SanteError("SANTE_CLOSED", "node closed"));
    for (const q of queued) assert.equal((await failure(q)).message, "node closed");
    answer?.();
    assert.equal((await first).controlId, "ON-WIRE", "bytes on the wire run to their end");
    while (server.received.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    answer?.();
    assert.equal((await other).controlId, "OTHER-NODE");
    assert.deepEqual(
      server.received.map((m) => m.split("|")[9]),
      ["ON-WIRE", "OTHER-NODE"],
    );
    assert.equal(client.pending, 0);
  });

  it("refuses at once with an aborted signal, with SANTE_CLOSED when the reason is not ours", async () => {
    client = new MllpClient({ port: await freePort() });
    const err = await failure(client.send(hl7("X"), { signal: AbortSignal.abort() }));
    assert.equal(err.code, "SANTE_CLOSED");
    assert.equal(client.pending, 0);
  });

  it("exposes its queue limit and checks every option against MLLP_CLIENT_LIMITS", () => {
    client = new MllpClient({ queueLimit: 7 });
    assert.equal(client.queueLimit, 7);
    for (const [name, [min, max]] of Object.entries(MLLP_CLIENT_LIMITS)) {
      assert.doesNotThrow(() => new MllpClient({ [name]: min }), name);
      assert.doesNotThrow(() => new MllpClient({ [name]: max }), name);
      assert.throws(() => new MllpClient({ [name]: min - 1 }), /SANTE|must be a whole number/, name);
      if (max < Number.MAX_SAFE_INTEGER) assert.throws(() => new MllpClient({ [name]: max + 1 }), name);
    }
  });
});

describe("probeMllpReceiver (the endpoint's Test connection)", function () {
  this.timeout(10000);
  let server: MllpFaultServer | undefined;

  leakCheckEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("connects and closes without writing a byte", async () => {
    server = await startMllpFaultServer(() => undefined);
    const probe = await probeMllpReceiver({ host: "127.0.0.1", port: server.port });
    assert.deepEqual(probe, { address: `127.0.0.1:${server.port}` });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(server.connections, 1);
    assert.deepEqual(server.received, []);
  });

  it("reports a refused port as SANTE_CONNECTION and bad options as SANTE_INVALID_INPUT", async () => {
    const port = await freePort();
    const err = await failure(probeMllpReceiver({ port }));
    assert.equal(err.code, "SANTE_CONNECTION");
    assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
    assert.throws(() => probeMllpReceiver({ port: 0 }), { code: "SANTE_INVALID_INPUT" });
  });

  it("times out as SANTE_TIMEOUT when the handshake never completes", async () => {
    // A plain TCP listener takes the connection and never answers the TLS ClientHello.
    const sockets = new Set<net.Socket>();
    const mute = net.createServer((s) => sockets.add(s.on("error", () => undefined)));
    await new Promise<void>((resolve) => mute.listen(0, "127.0.0.1", resolve));
    try {
      const port = (mute.address() as net.AddressInfo).port;
      const err = await failure(probeMllpReceiver({ port, tls: true, timeout: 200 }));
      assert.equal(err.code, "SANTE_TIMEOUT");
      assert.match(err.message, /within 200 ms/);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => mute.close(resolve));
    }
  });

  it("with TLS, completes the handshake and checks the certificate", async function () {
    const cert = selfSigned();
    if (!cert) return this.skip();
    server = await startMllpFaultServer(() => undefined, { tls: { key: cert.key, cert: cert.cert } });
    const ok = await probeMllpReceiver({ port: server.port, tls: { ca: cert.cert, servername: "localhost" } });
    assert.match(ok.tlsProtocol ?? "", /^TLSv1\.[23]$/);
    const untrusted = await failure(probeMllpReceiver({ port: server.port, tls: true }));
    assert.equal(untrusted.code, "SANTE_CONNECTION");
    assert.match(untrusted.message, /SELF_SIGNED|certificate/i);
  });
});

describe("readSenderOptions (the endpoint node's settings, without Node-RED)", () => {
  it("takes numbers as the editor saves them, blanks as defaults, and a flow without the fields as all defaults", () => {
    const { host, port, timeout, connections, queueLimit, retries, idleTimeout, breakerThreshold, breakerCooldown } =
      MLLP_CLIENT_DEFAULTS;
    assert.deepEqual(readSenderOptions({}), {
      host,
      port,
      timeout,
      connections,
      queueLimit,
      retries,
      idleTimeout,
      breakerThreshold,
      breakerCooldown,
    });
    const read = readSenderOptions({
      host: " his.example.org ",
      port: "2600",
      timeout: 500,
      retries: "",
      idleTimeout: "0",
    });
    assert.deepEqual(
      [read.host, read.port, read.timeout, read.retries, read.idleTimeout],
      ["his.example.org", 2600, 500, 2, 0],
    );
  });

  it("refuses what is not a number or not text, naming the field", () => {
    assert.throws(() => readSenderOptions({ port: "http" }), /port must be a number/);
    assert.throws(() => readSenderOptions({ host: 7 }), /host must be text/);
    // Ranges are the client's to check.
    assert.throws(() => new MllpClient(readSenderOptions({ connections: "0" })), /connections must be a whole number/);
  });
});
