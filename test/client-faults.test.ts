import { strict as assert } from "node:assert";
import type * as net from "node:net";
import * as tls from "node:tls";
import { SanteClient, SanteError, type SanteClientOptions, type SanteErrorCode } from "../lib/sante";
import { freePort, startFaultServer, type FaultServer } from "./helpers/fault-server";
import { leakCheckEach } from "./helpers/handles";
import { failure } from "./helpers/failure";
import { selfSigned } from "./helpers/self-signed";

const UID = "1.2.826.0.1.3748527.1.4.2.0.20181120.185921.384642";

describe("SanteClient against a misbehaving PACS", () => {
  let server: FaultServer | undefined;
  let client: SanteClient | undefined;

  leakCheckEach(async () => {
    await client?.close();
    await server?.close();
    client = undefined;
    server = undefined;
  });

  async function against(
    reply: Parameters<typeof startFaultServer>[0],
    options: SanteClientOptions = {},
  ): Promise<SanteClient> {
    server = await startFaultServer(reply);
    client = new SanteClient({ port: server.port, timeout: 500, ...options });
    return client;
  }

  const cases: Array<[string, Parameters<typeof startFaultServer>[0], SanteErrorCode, RegExp]> = [
    ["never answers", () => undefined, "SANTE_TIMEOUT", /No reply from 127\.0\.0\.1:\d+ within 500 ms/],
    ["closes mid-reply", (s) => s.end("\x10JH89ZQ"), "SANTE_CONNECTION", /closed the connection before a full reply/],
    ["resets mid-reply", (s) => (s.write("\x10JH89"), s.resetAndDestroy()), "SANTE_CONNECTION", /before a full reply/],
    [
      "answers garbage",
      (s) => s.write("HTTP/1.1 400 Bad Request\r\n\r\n"),
      "SANTE_PROTOCOL",
      /must start with 0x10, got 0x48/,
    ],
    ["answers without end", (s) => s.write(`\x10${"A".repeat(2000)}`), "SANTE_PROTOCOL", /2000-byte|1000-byte limit/],
    ["answers two replies", (s) => s.write("\x10AAAA\r\x10BBBB\r"), "SANTE_PROTOCOL", /more than one reply/],
    ["closes at once", (s) => s.destroy(), "SANTE_CONNECTION", /before a full reply/],
  ];

  for (const [what, reply, code, message] of cases) {
    it(`ends with ${code} when the PACS ${what}`, async () => {
      const c = await against(reply, { maxReplyBytes: 1000 });
      const err = await failure(c.studyToken(UID));
      assert.equal(err.code, code);
      assert.match(err.message, message);
      assert.equal(c.pending, 0);
    });
  }

  it("puts together a reply drip-fed one byte at a time", async () => {
    const c = await against(
      (s) => {
        const bytes = Buffer.from("\x10JH89ZQBkySrgt9f38OYic5wyC8YVO41pLPNesa5shYnmsl1DOXVF9eNK5SVwlg6\r\n");
        let i = 0;
        const drip = setInterval(() => {
          if (s.destroyed || i >= bytes.length) return clearInterval(drip);
          s.write(bytes.subarray(i, ++i));
        }, 2);
      },
      { timeout: 5000 },
    );
    assert.equal(await c.studyToken(UID), "JH89ZQBkySrgt9f38OYic5wyC8YVO41pLPNesa5shYnmsl1DOXVF9eNK5SVwlg6");
  });

  it("reports a refused port as SANTE_CONNECTION naming host and port", async () => {
    const port = await freePort();
    client = new SanteClient({ port, timeout: 2000 });
    const err = await failure(client.studyToken(UID));
    assert.equal(err.code, "SANTE_CONNECTION");
    assert.equal(err.message, `Could not connect to 127.0.0.1:${port} (ECONNREFUSED)`);
  });

  it("sends zero bytes for bad input", async () => {
    const c = await against((s) => s.write("\x10TOKEN\r"));
    for (const bad of ["1.2\r\x10x", "", "abc", null, { uid: 1 }]) {
      assert.equal((await failure(c.studyToken(bad))).code, "SANTE_INVALID_INPUT");
    }
    for (const bad of ["a\\b", "x\ry", "", "z".repeat(65)]) {
      assert.equal((await failure(c.patientStudies(bad))).code, "SANTE_INVALID_INPUT");
    }
    assert.equal(server?.bytesReceived, 0);
    assert.equal(server?.connections, 0);
  });

  it("maps an empty token to SANTE_NOT_FOUND", async () => {
    const c = await against((s) => s.write("\x10\r"));
    const err = await failure(c.studyToken("1.2.3"));
    assert.equal(err.code, "SANTE_NOT_FOUND");
    assert.match(err.message, /Study 1\.2\.3 is not known/);
  });

  it("never puts a token in an error message", async () => {
    const c = await against((s) => s.write("\x10SECRETTOKEN123\r\x10SECRETTOKEN456\r"));
    const err = await failure(c.studyToken(UID));
    assert.doesNotMatch(err.message, /SECRET/);
  });

  it("close() fails queued and in-flight lookups with SANTE_CLOSED, and later ones too", async () => {
    const c = await against(() => undefined, { connections: 2, timeout: 10000 });
    const sockets = () => process.getActiveResourcesInfo().filter((kind) => kind === "TCPSocketWrap").length;
    const before = sockets();
    const lookups = Array.from({ length: 5 }, (_, i) => failure(c.studyToken(`${UID}.${i}`)));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(c.pending, 5);
    await c.close();
    // close() resolves once the client's sockets are closed: at most the PACS's ends of them are still open.
    assert.ok(sockets() - before <= 2, `${sockets() - before} sockets open after close()`);
    for (const err of await Promise.all(lookups)) assert.equal(err.code, "SANTE_CLOSED");
    assert.equal((await failure(c.studyToken(UID))).code, "SANTE_CLOSED");
  });

  it("fails fast with SANTE_BUSY past the queue limit", async () => {
    const c = await against(() => undefined, { connections: 1, queueLimit: 3, timeout: 300 });
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => c.studyToken(`${UID}.${i}`)));
    const codes = results.map((r) => (r.status === "rejected" ? (r.reason as SanteError).code : "ok"));
    // One on the wire, three queued, two refused at once; the rest time out one after another.
    assert.deepEqual(codes, [
      "SANTE_TIMEOUT",
      "SANTE_TIMEOUT",
      "SANTE_TIMEOUT",
      "SANTE_TIMEOUT",
      "SANTE_BUSY",
      "SANTE_BUSY",
    ]);
  });

  it("refuses nonsense options at construction", () => {
    for (const bad of [{ port: 0 }, { port: 70000 }, { timeout: -1 }, { connections: 0 }, { host: " " }]) {
      assert.throws(
        () => new SanteClient(bad),
        (err: SanteError) => err.code === "SANTE_INVALID_INPUT",
      );
    }
  });

  it("accepts a reply of exactly 1 MiB by default (maxReplyBytes), and refuses one byte more", async () => {
    const cap = 1024 * 1024;
    // 0x10, the token, 0x0D: the token is what is left of the cap, or one byte more.
    const c = await against((s, request) => s.write(`\x10${"A".repeat(cap - 2 + Number(request.endsWith(".2")))}\r`), {
      timeout: 5000,
      cacheSize: 0,
    });
    assert.equal((await c.studyToken("1.2.1")).length, cap - 2);
    const err = await failure(c.studyToken("1.2.2"));
    assert.equal(err.code, "SANTE_PROTOCOL");
    assert.match(err.message, /1048576-byte limit/);
  });

  it("speaks TLS with `tls: true` (the system's CAs) and with Node's TLS options (a CA of one's own)", async function () {
    const cert = selfSigned();
    if (!cert) return this.skip();
    const pacs = tls.createServer(cert, (socket) => socket.on("data", () => socket.end("\x10TLS-TOKEN\r")));
    pacs.on("tlsClientError", () => undefined);
    await new Promise<void>((resolve) => pacs.listen(0, "127.0.0.1", resolve));
    const port = (pacs.address() as net.AddressInfo).port;
    const strict = new SanteClient({ port, tls: true, retries: 0 });
    const trusting = new SanteClient({ port, tls: { ca: cert.cert } });
    try {
      // The system's CAs do not know this certificate: refused in the handshake, so the lookup never connected.
      const err = await failure(strict.studyToken(UID));
      assert.equal(err.code, "SANTE_CONNECTION");
      assert.match(err.message, /^Could not connect to 127\.0\.0\.1:\d+ \(DEPTH_ZERO_SELF_SIGNED_CERT\)$/);
      assert.equal(await trusting.studyToken(UID), "TLS-TOKEN");
    } finally {
      await Promise.all([strict.close(), trusting.close()]);
      await new Promise((resolve) => pacs.close(resolve));
    }
  });

  it("with keep-alive, opens a fresh socket when the PACS has closed the idle one", async () => {
    let seen = 0;
    const c = await against(
      (s) => {
        seen++;
        // Answer, then drop the connection quietly as an idle-timeout would.
        s.write(`\x10TOKEN${seen}\r`);
        setTimeout(() => s.destroy(), 20);
      },
      { keepAlive: true, connections: 1, cacheSize: 0 },
    );
    assert.equal(await c.studyToken(UID), "TOKEN1");
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.equal(await c.studyToken(UID), "TOKEN2");
    assert.equal(server?.connections, 2);
  });

  it("with keep-alive, sends again on a fresh socket when the PACS closed the idle one as the request went out", async () => {
    const answered = new WeakSet<net.Socket>();
    let seen = 0;
    const c = await against(
      (s) => {
        // A PACS whose idle timeout closed this connection just as the next request arrived: no reply.
        if (answered.has(s)) return void s.destroy();
        answered.add(s);
        s.write(`\x10TOKEN${++seen}\r`);
      },
      // No retries: sending again on a fresh socket is not a retry, and a lookup does not fail for it.
      { keepAlive: true, connections: 1, cacheSize: 0, retries: 0 },
    );
    assert.equal(await c.studyToken(UID), "TOKEN1");
    assert.equal(await c.studyToken(UID), "TOKEN2");
    assert.equal(server?.connections, 2);
  });

  it("with keep-alive, a lookup sent again on a fresh socket keeps its place ahead of those that came after it", async () => {
    const answered = new WeakSet<net.Socket>();
    const order: string[] = [];
    const c = await against(
      (s, request) => {
        if (answered.has(s)) return void s.destroy();
        answered.add(s);
        order.push(request);
        s.write(`\x10TOK-${request}\r`);
      },
      { keepAlive: true, connections: 1, cacheSize: 0, retries: 0 },
    );
    await c.studyToken("1.1");
    // 1.2 meets the closed socket and goes again; 1.3 and 1.4 wait behind it.
    const tokens = await Promise.all(["1.2", "1.3", "1.4"].map((uid) => c.studyToken(uid)));
    assert.deepEqual(tokens, ["TOK-1.2", "TOK-1.3", "TOK-1.4"]);
    assert.deepEqual(order, ["1.1", "1.2", "1.3", "1.4"]);
  });

  it("with keep-alive, a reused connection the PACS drops mid-reply is a failure, not a stale socket", async () => {
    const answered = new WeakSet<net.Socket>();
    const c = await against(
      (s) => {
        // The PACS got this request and began to answer it: sending it again elsewhere would be a retry.
        if (answered.has(s)) return void s.end("\x10TOK");
        answered.add(s);
        s.write("\x10TOKEN1\r");
      },
      { keepAlive: true, connections: 1, cacheSize: 0, retries: 0 },
    );
    assert.equal(await c.studyToken(UID), "TOKEN1");
    const err = await failure(c.studyToken(UID));
    assert.equal(err.code, "SANTE_CONNECTION");
    assert.match(err.message, /closed the connection before a full reply/);
    assert.equal(server?.connections, 1);
  });

  it("with keep-alive, does not reuse a connection on which the PACS sent something unasked", async () => {
    let seen = 0;
    const c = await against(
      (s) => {
        s.write(`\x10TOKEN${++seen}\r`);
        // Out of step: bytes no request asked for, which the next request on this socket would read as its reply.
        setTimeout(() => s.write("\x10TOKEN"), 20);
      },
      { keepAlive: true, connections: 1, cacheSize: 0 },
    );
    assert.equal(await c.studyToken(UID), "TOKEN1");
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.equal(await c.studyToken(UID), "TOKEN2");
    assert.equal(server?.connections, 2);
  });

  it("with keep-alive, a lookup sent again on a fresh socket keeps its clock: timeout bounds the whole lookup", async () => {
    const answered = new Set<net.Socket>();
    const c = await against(
      (s) => {
        // The kept-alive socket is found closed only 250 ms into the lookup, and the fresh one answers 250 ms later:
        // 500 ms in all, past the 400 ms timeout, however the time is split between the sockets.
        if (answered.has(s)) return void setTimeout(() => s.destroy(), 250);
        answered.add(s);
        setTimeout(() => s.write("\x10TOKEN\r"), answered.size === 1 ? 0 : 250);
      },
      { keepAlive: true, connections: 1, cacheSize: 0, retries: 0, timeout: 400 },
    );
    assert.equal(await c.studyToken(UID), "TOKEN");
    assert.equal((await failure(c.studyToken(UID))).code, "SANTE_TIMEOUT");
  });
});
