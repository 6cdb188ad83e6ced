import { strict as assert } from "node:assert";
import * as net from "node:net";
import {
  Hl7AckError,
  MllpClient,
  MllpServer,
  SanteError,
  type MllpClientOptions,
  type SanteErrorCode,
} from "../lib/api";
import { freePort } from "./helpers/fault-server";
import { leakCheckEach } from "./helpers/handles";
import { startMllpFaultServer, type MllpFaultServer } from "./helpers/mllp-fault-server";
import { ack, frame, hl7 } from "./helpers/mllp-peer";
import { selfSigned } from "./helpers/self-signed";
import { failure } from "./helpers/failure";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const answer = (controlId: string, code = "AA") => frame(ack(controlId, code));

describe("MllpClient (sender transport) over real TCP", function () {
  this.timeout(10000);
  let server: MllpFaultServer | undefined;
  let client: MllpClient | undefined;

  leakCheckEach(async () => {
    await client?.close();
    await server?.close();
    client = undefined;
    server = undefined;
  });

  async function against(
    reply: Parameters<typeof startMllpFaultServer>[0],
    options: MllpClientOptions = {},
  ): Promise<MllpClient> {
    server = await startMllpFaultServer(reply);
    client = new MllpClient({ port: server.port, timeout: 1000, ...options });
    return client;
  }

  it("resolves with the ACK, and keeps one connection open between messages", async () => {
    const c = await against((s, id) => s.write(answer(id)));
    for (const id of ["M1", "M2", "M3"]) {
      const result = await c.send(hl7(id));
      assert.deepEqual([result.code, result.controlId], ["AA", id]);
      assert.equal(result.text, ack(id));
    }
    assert.equal(server?.connections, 1);
    assert.equal(c.pending, 0);
  });

  it("puts together an ACK that arrives one byte per read", async () => {
    const c = await against((s, id) => {
      const bytes = answer(id);
      let i = 0;
      const drip = setInterval(() => {
        if (s.destroyed || i >= bytes.length) return clearInterval(drip);
        s.write(bytes.subarray(i, ++i));
      }, 1);
    });
    assert.equal((await c.send(hl7("DRIP"))).controlId, "DRIP");
  });

  it("takes an ACK for another message as SANTE_PROTOCOL, drops the connection, and never as the next one's", async () => {
    // The receiver answers the first message with the ACK of another, and sends it again later on its own.
    const c = await against((s, id, _m, nth) => {
      if (nth === 1) s.write(answer("SOMEONE-ELSE"));
      else s.write(answer(id));
    });
    const err = await failure(c.send(hl7("FIRST")));
    assert.equal(err.code, "SANTE_PROTOCOL");
    assert.match(err.message, /an ACK for message SOMEONE-ELSE to message FIRST/);
    assert.equal((await c.send(hl7("SECOND"))).controlId, "SECOND");
    assert.equal(server?.connections, 2, "the connection that carried the foreign ACK was dropped");
    assert.equal(server?.received.length, 2, "a protocol error is not retried");
  });

  it("drops a connection whose receiver answers twice, so the second answer cannot be taken for the next message", async () => {
    const c = await against((s, id) => s.write(Buffer.concat([answer(id), answer(id)])));
    assert.equal((await c.send(hl7("A"))).controlId, "A");
    assert.equal((await c.send(hl7("B"))).controlId, "B");
    assert.equal(server?.connections, 2);
  });

  const naks: [string, SanteErrorCode][] = [
    ["AE", "SANTE_HL7_ERROR"],
    ["CE", "SANTE_HL7_ERROR"],
    ["AR", "SANTE_HL7_REJECTED"],
    ["CR", "SANTE_HL7_REJECTED"],
  ];
  for (const [code, errorCode] of naks) {
    it(`rejects an ${code} with ${errorCode}, carrying the ACK, without retrying`, async () => {
      const c = await against((s, id) => s.write(answer(id, code)));
      const err = await failure(c.send(hl7("NAK1")));
      assert.equal(err.code, errorCode);
      assert.ok(err instanceof Hl7AckError);
      assert.equal(err.ack.code, code);
      assert.match(err.message, new RegExp(`message NAK1 \\(${code}\\)`));
      assert.equal(server?.received.length, 1);
      // The connection is fine: the next message goes on it.
      await failure(c.send(hl7("NAK2")));
      assert.equal(server?.connections, 1);
    });
  }

  it("resolves a CA (enhanced mode accept)", async () => {
    const c = await against((s, id) => s.write(answer(id, "CA")));
    assert.equal((await c.send(hl7("E1"))).code, "CA");
  });

  it("rejects an answer that is not an ACK as SANTE_PROTOCOL", async () => {
    for (const bad of [frame("HTTP/1.1 400 Bad Request"), frame(hl7("X")), frame(ack("P", "ZZ"))]) {
      const c = await against((s) => s.write(bad));
      assert.equal((await failure(c.send(hl7("P")))).code, "SANTE_PROTOCOL");
      await c.close();
      await server?.close();
    }
  });

  it("resends the same bytes after a silence, and resolves when the receiver answers the retry", async () => {
    const c = await against((s, id, _m, nth) => nth > 1 && s.write(answer(id)), { timeout: 200, retries: 2 });
    assert.equal((await c.send(hl7("SLOW"))).controlId, "SLOW");
    assert.deepEqual(server?.received, [hl7("SLOW"), hl7("SLOW")]);
    assert.equal(server?.connections, 2, "a timed-out connection is not reused");
  });

  it("ends with SANTE_TIMEOUT after the retries of a receiver that never answers", async () => {
    const c = await against(() => undefined, { timeout: 100, retries: 2 });
    const err = await failure(c.send(hl7("SILENT")));
    assert.equal(err.code, "SANTE_TIMEOUT");
    assert.match(err.message, /No ACK from 127\.0\.0\.1:\d+ within 100 ms for message SILENT \(3 attempts\)/);
    assert.equal(server?.received.length, 3);
  });

  it("retries a refused connection and succeeds once the receiver is up", async () => {
    const port = await freePort();
    client = new MllpClient({ port, retries: 3 });
    const pending = client.send(hl7("BACK"));
    await sleep(20);
    const back = net.createServer((socket) => socket.on("data", () => socket.write(answer("BACK"))));
    await new Promise<void>((resolve) => back.listen(port, "127.0.0.1", resolve));
    try {
      assert.equal((await pending).controlId, "BACK");
    } finally {
      await client.close();
      await new Promise((resolve) => back.close(resolve));
    }
  });

  it("ends with SANTE_CONNECTION naming host and port when the receiver stays down", async () => {
    const port = await freePort();
    client = new MllpClient({ port, retries: 1 });
    const err = await failure(client.send(hl7("DOWN")));
    assert.equal(err.code, "SANTE_CONNECTION");
    assert.equal(err.message, `Could not connect to 127.0.0.1:${port} (ECONNREFUSED) for message DOWN (2 attempts)`);
  });

  it("retries a connection reset before the ACK", async () => {
    const c = await against((s, id, _m, nth) => (nth === 1 ? s.resetAndDestroy() : s.write(answer(id))), {
      retries: 1,
    });
    assert.equal((await c.send(hl7("RESET"))).controlId, "RESET");
    assert.equal(server?.received.length, 2);
  });

  it("reconnects transparently when the receiver closed an idle connection, spending no retry", async () => {
    const c = await against((s, id) => s.write(answer(id)), { retries: 0 });
    await c.send(hl7("BEFORE"));
    server?.dropConnections();
    await sleep(20);
    assert.equal((await c.send(hl7("AFTER"))).controlId, "AFTER");
    assert.equal(server?.connections, 2);
  });

  it("closes a connection left unused for idleTimeout, and opens a new one for the next message", async () => {
    const c = await against((s, id) => s.write(answer(id)), { idleTimeout: 100 });
    await c.send(hl7("I1"));
    await c.send(hl7("I2"));
    assert.equal(server?.connections, 1);
    await sleep(250);
    await c.send(hl7("I3"));
    assert.equal(server?.connections, 2);
  });

  it("keeps waiting for an ACK slower than idleTimeout (the attempt's timeout rules while a message is out)", async () => {
    const c = await against((s, id) => setTimeout(() => !s.destroyed && s.write(answer(id)), 200), {
      idleTimeout: 50,
      timeout: 2000,
    });
    assert.equal((await c.send(hl7("PATIENT"))).controlId, "PATIENT");
    assert.equal(server?.received.length, 1);
  });

  it("goes round once more when the receiver closes a kept-open connection as the message arrives", async () => {
    // The race of an idle close: our message reaches a socket the receiver is closing.
    const c = await against((s, id, _m, nth) => (nth === 2 ? s.destroy() : s.write(answer(id))), { retries: 0 });
    await c.send(hl7("ONE"));
    assert.equal((await c.send(hl7("TWO"))).controlId, "TWO");
    assert.deepEqual(
      server?.received.map((m) => m.split("|")[9]),
      ["ONE", "TWO", "TWO"],
    );
  });

  it("keeps the order of the feed through a retry (one connection)", async () => {
    // The receiver ignores the first copy of M2; M3 must not reach it before M2's retry.
    let seenM2 = 0;
    const c = await against(
      (s, id) => {
        if (id === "M2" && seenM2++ === 0) return;
        setTimeout(() => !s.destroyed && s.write(answer(id)), Math.random() * 5);
      },
      { timeout: 150, retries: 2 },
    );
    const ids = ["M1", "M2", "M3", "M4", "M5"];
    const acks = await Promise.all(ids.map((id) => c.send(hl7(id))));
    assert.deepEqual(
      acks.map((a) => a.controlId),
      ids,
    );
    // On a busy machine another message may time out and be resent too; what matters is that no
    // message reaches the receiver before the one sent ahead of it has its last copy through.
    const seen = (server?.received ?? []).map((m) => m.split("|")[9]);
    assert.ok(seen.filter((id) => id === "M2").length >= 2, seen.join());
    assert.deepEqual(
      seen.filter((id, i) => id !== seen[i - 1]),
      ids,
    );
  });

  it("fails at once with SANTE_BUSY when the queue is full", async () => {
    const c = await against((s, id) => setTimeout(() => !s.destroyed && s.write(answer(id)), 20), { queueLimit: 2 });
    const first = c.send(hl7("Q1"));
    const queued = [c.send(hl7("Q2")), c.send(hl7("Q3"))];
    const err = await failure(c.send(hl7("Q4")));
    assert.equal(err.code, "SANTE_BUSY");
    await Promise.all([first, ...queued]);
  });

  it("checks the message before a byte is sent", async () => {
    const c = await against((s, id) => s.write(answer(id)));
    const bad = [
      "not HL7 at all",
      "MSH|^~\\&|A|B|C|D|20240101||ORM^O01||P|2.5\r",
      `${hl7("X")}\x1c\r`,
      42 as unknown as string,
    ];
    for (const message of bad) assert.equal((await failure(c.send(message))).code, "SANTE_INVALID_INPUT");
    assert.equal(server?.connections, 0);
  });

  it("close() fails what is in flight, queued or between retries with SANTE_CLOSED, and later sends too", async () => {
    const c = await against(() => undefined, { timeout: 50, retries: 5, connections: 2 });
    const sends = ["C1", "C2", "C3", "C4"].map((id) => c.send(hl7(id)).catch((e: unknown) => e));
    await sleep(80); // C1 and C2 have timed out once and wait to retry; C3 and C4 wait for a connection
    await c.close();
    const errors = await Promise.all(sends);
    assert.deepEqual(
      errors.map((e) => (e as SanteError).code),
      ["SANTE_CLOSED", "SANTE_CLOSED", "SANTE_CLOSED", "SANTE_CLOSED"],
    );
    assert.equal((await failure(c.send(hl7("LATE")))).code, "SANTE_CLOSED");
    assert.equal(c.pending, 0);
  });

  it("settles every send exactly once against a receiver that misbehaves in every way", async () => {
    const behaviours = ["ok", "ok", "ae", "silent", "reset", "garbage", "foreign", "split", "double"];
    const c = await against(
      (s, id, _m, nth) => {
        switch (behaviours[(nth * 7) % behaviours.length]) {
          case "ok":
            return s.write(answer(id));
          case "ae":
            return s.write(answer(id, "AE"));
          case "silent":
            return;
          case "reset":
            return s.resetAndDestroy();
          case "garbage":
            return s.write("\x0bnot an ack\x1c\r");
          case "foreign":
            return s.write(answer(`${id}-other`));
          case "split": {
            const bytes = answer(id);
            s.write(bytes.subarray(0, 7));
            return setTimeout(() => !s.destroyed && s.write(bytes.subarray(7)), 5);
          }
          case "double":
            return s.write(Buffer.concat([answer(id), answer(id)]));
        }
      },
      { timeout: 80, retries: 1, connections: 4 },
    );
    const ids = Array.from({ length: 120 }, (_, i) => `R${i}`);
    let settled = 0;
    const outcomes = await Promise.all(
      ids.map((id) =>
        c.send(hl7(id)).then(
          (a) => {
            settled++;
            assert.equal(a.controlId, id, "an ACK resolved the wrong message");
            return "AA";
          },
          (e: unknown) => {
            settled++;
            return (e as SanteError).code;
          },
        ),
      ),
    );
    assert.equal(settled, ids.length);
    const allowed = new Set(["AA", "SANTE_HL7_ERROR", "SANTE_TIMEOUT", "SANTE_CONNECTION", "SANTE_PROTOCOL"]);
    assert.deepEqual(
      outcomes.filter((o) => !allowed.has(o)),
      [],
    );
    assert.ok(outcomes.includes("AA") && outcomes.includes("SANTE_PROTOCOL"), outcomes.join());
    assert.equal(c.pending, 0);
  });

  it("sends to our own listener over TLS, checking its certificate", async function () {
    const cert = selfSigned();
    if (!cert) return this.skip();
    const listener = new MllpServer({ port: 0, host: "127.0.0.1", tls: cert });
    listener.on("message", (m) => m.reply(ack(m.text.split("|")[9])));
    const { port } = await listener.listen();
    try {
      client = new MllpClient({ port, tls: { ca: cert.cert, servername: "localhost" } });
      assert.equal((await client.send(hl7("TLS1"))).controlId, "TLS1");
      await client.close();
      // A receiver whose certificate we do not trust: a connection error, not a message.
      client = new MllpClient({ port, tls: true, retries: 0 });
      const err = await failure(client.send(hl7("TLS2")));
      assert.equal(err.code, "SANTE_CONNECTION");
      assert.match(err.message, /SELF_SIGNED|self.signed/i);
    } finally {
      await client?.close();
      await listener.close();
    }
  });

  it("refuses options out of range when made", () => {
    for (const bad of [{ connections: 0 }, { timeout: 0 }, { retries: 11 }, { host: " " }, { port: 0 }]) {
      assert.throws(() => new MllpClient(bad), /Invalid sender option/);
    }
  });
});
