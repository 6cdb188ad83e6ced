import { strict as assert } from "node:assert";
import * as net from "node:net";
import {
  AllowList,
  MllpServer,
  normalizeAddress,
  SanteError,
  type MllpDisconnect,
  type MllpPeer,
  type MllpReceived,
  type MllpRefusal,
  type MllpServerOptions,
} from "../lib/api";
import { leakCheckEach } from "./helpers/handles";
import { ack, frame, hl7, RawMllpPeer } from "./helpers/mllp-peer";
import { selfSigned } from "./helpers/self-signed";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a listener did, for the assertions. */
class Recorder {
  readonly messages: MllpReceived[] = [];
  readonly oversize: MllpReceived[] = [];
  readonly refused: MllpRefusal[] = [];
  readonly skipped: number[] = [];
  readonly disconnects: { peer: MllpPeer; info: MllpDisconnect }[] = [];
  readonly peers: MllpPeer[] = [];

  constructor(server: MllpServer, answer?: (m: MllpReceived) => void) {
    server.on("message", (m) => {
      this.messages.push(m);
      answer?.(m);
    });
    server.on("refused", (r) => this.refused.push(r));
    server.on("skipped", (_p, bytes) => this.skipped.push(bytes));
    server.on("disconnect", (peer, info) => this.disconnects.push({ peer, info }));
    server.on("connection", (peer) => this.peers.push(peer));
  }

  async until(what: string, test: () => boolean, ms = 3000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!test()) {
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
      await sleep(5);
    }
  }
}

/** Answers with an ACK echoing MSH-10, read the simple way (the reader is not under test here). */
const echoAck = (m: MllpReceived) => m.reply(ack(m.text.split("|")[9]));
const controlIds = (frames: string[]) => frames.map((f) => /MSA\|[A-Z]{2}\|([^|\r]*)/.exec(f)?.[1]);

describe("MllpServer (listener transport) over real TCP", function () {
  this.timeout(10000);
  let server: MllpServer | undefined;
  let peers: RawMllpPeer[] = [];

  leakCheckEach(async () => {
    for (const p of peers) p.destroy();
    peers = [];
    await server?.close();
    server = undefined;
  });

  async function start(options: MllpServerOptions = {}, answer?: (m: MllpReceived) => void) {
    server = new MllpServer({ port: 0, host: "127.0.0.1", ...options });
    const recorder = new Recorder(server, answer);
    const { port } = await server.listen();
    return { port, recorder, server };
  }

  async function connect(port: number, options: Parameters<typeof RawMllpPeer.connect>[1] = {}) {
    const peer = await RawMllpPeer.connect(port, options);
    peers.push(peer);
    return peer;
  }

  it("answers every frame of one read, in order", async () => {
    const { port } = await start({}, echoAck);
    const peer = await connect(port);
    peer.write(Buffer.concat(["M1", "M2", "M3", "M4"].map((id) => frame(hl7(id)))));
    assert.deepEqual(controlIds(await peer.waitFrames(4)), ["M1", "M2", "M3", "M4"]);
  });

  it("hands the next message up only once the previous one is answered (maxPending 1)", async () => {
    const { port, recorder } = await start();
    const peer = await connect(port);
    peer.write(Buffer.concat(["M1", "M2", "M3"].map((id) => frame(hl7(id)))));
    await recorder.until("the first message", () => recorder.messages.length === 1);
    await sleep(50);
    assert.equal(recorder.messages.length, 1, "the second message went up before the first was answered");
    echoAck(recorder.messages[0]);
    await recorder.until("the second message", () => recorder.messages.length === 2);
    echoAck(recorder.messages[1]);
    await recorder.until("the third message", () => recorder.messages.length === 3);
    echoAck(recorder.messages[2]);
    assert.deepEqual(controlIds(await peer.waitFrames(3)), ["M1", "M2", "M3"]);
    assert.deepEqual(
      recorder.messages.map((m) => [m.seq, m.id]),
      [
        [1, `${m0(recorder)}:1`],
        [2, `${m0(recorder)}:2`],
        [3, `${m0(recorder)}:3`],
      ],
    );
  });

  const m0 = (r: Recorder) => r.messages[0].peer.id;

  it("writes answers in arrival order when the upper layer gives them out of order (maxPending 8)", async () => {
    const { port, recorder } = await start({ maxPending: 8 });
    const peer = await connect(port);
    peer.write(Buffer.concat(["M1", "M2", "M3", "M4", "M5"].map((id) => frame(hl7(id)))));
    await recorder.until("five messages", () => recorder.messages.length === 5);
    for (const m of [...recorder.messages].reverse()) {
      echoAck(m);
      await sleep(5);
      // Nothing may go out before M1's answer.
      if (m.seq > 1) assert.equal(peer.frames.length, 0);
    }
    assert.deepEqual(controlIds(await peer.waitFrames(5)), ["M1", "M2", "M3", "M4", "M5"]);
  });

  it("answers a pipelined burst of 2000 messages in one write, in order, with maxPending 1", async () => {
    const { port } = await start({}, echoAck);
    const peer = await connect(port);
    const ids = Array.from({ length: 2000 }, (_, i) => `B${i}`);
    peer.write(Buffer.concat(ids.map((id) => frame(hl7(id)))));
    assert.deepEqual(controlIds(await peer.waitFrames(2000, 8000)), ids);
  });

  it("stops reading a sender that does not read its answers, so memory stays bounded, and goes on when it does", async () => {
    const padding = "x".repeat(32 * 1024);
    const { port, recorder } = await start({}, (m) => m.reply(`${ack(m.text.split("|")[9])}NTE|1||${padding}\r`));
    const peer = await connect(port);
    peer.socket.pause();
    const ids = Array.from({ length: 3000 }, (_, i) => `P${i}`);
    peer.write(Buffer.concat(ids.map((id) => frame(hl7(id)))));
    await sleep(300);
    const handedUp = recorder.messages.length;
    await sleep(200);
    assert.equal(recorder.messages.length, handedUp, "the listener kept taking messages it could not answer");
    assert.ok(handedUp < 1500, `${handedUp} messages taken while the sender read nothing`);
    peer.socket.resume();
    assert.deepEqual(controlIds(await peer.waitFrames(3000, 8000)), ids);
  });

  it("puts together a frame that arrives one byte per read", async () => {
    const { port, recorder } = await start({}, echoAck);
    const peer = await connect(port);
    for (const b of frame(hl7("DRIP"))) {
      peer.write(Buffer.from([b]));
      await sleep(1);
    }
    assert.deepEqual(controlIds(await peer.waitFrames(1)), ["DRIP"]);
    assert.equal(recorder.messages[0].text, hl7("DRIP"));
  });

  it("skips bytes before the start byte, reports how many, and answers the message after them", async () => {
    const { port, recorder } = await start({}, echoAck);
    const peer = await connect(port);
    peer.write(Buffer.concat([Buffer.from("garbage!"), frame(hl7("AFTER")), Buffer.from("\r\n")]));
    assert.deepEqual(controlIds(await peer.waitFrames(1)), ["AFTER"]);
    assert.deepEqual(recorder.skipped, [8]);
  });

  it("refuses an oversize message: earlier ones answered, the upper layer gets its MSH for an AR, then the connection closes", async () => {
    const { port, recorder, server: s } = await start({ maxMessageBytes: 1000 }, echoAck);
    s.on("oversize", (m) => {
      assert.equal(m.oversize, true);
      m.reply(ack(m.text.split("|")[9], "AR"), { close: true });
    });
    const peer = await connect(port);
    const big = hl7("BIG") + `OBX|1|ED|PDF||${"x".repeat(5000)}\r`;
    peer.write(Buffer.concat([frame(hl7("SMALL")), frame(big), frame(hl7("LATER"))]));
    const frames = await peer.waitFrames(2);
    await peer.closed;
    assert.deepEqual(controlIds(frames), ["SMALL", "BIG"]);
    assert.match(frames[1], /MSA\|AR\|BIG/);
    assert.equal(peer.frames.length, 2, "nothing after the oversize message is taken");
    await recorder.until("the disconnect", () => recorder.disconnects.length === 1);
    const { info } = recorder.disconnects[0];
    assert.equal(info.reason, "oversize");
    assert.ok(info.error instanceof SanteError && info.error.code === "SANTE_PROTOCOL");
    assert.match(info.error.message, /larger than the 1000-byte limit/);
  });

  it("closes at once after an oversize message when nobody listens for it", async () => {
    const { port, recorder } = await start({ maxMessageBytes: 100 }, echoAck);
    const peer = await connect(port);
    peer.write(frame(hl7("X") + "x".repeat(200)));
    await peer.closed;
    assert.equal(peer.frames.length, 0);
    await recorder.until("the disconnect", () => recorder.disconnects.length === 1);
    assert.equal(recorder.disconnects[0].info.reason, "oversize");
    assert.equal(recorder.disconnects[0].info.unanswered, 1);
  });

  it("closes a connection on a broken frame, after answering the messages before it", async () => {
    const { port, recorder } = await start({}, echoAck);
    const peer = await connect(port);
    peer.write(Buffer.concat([frame(hl7("GOOD")), Buffer.from(`\x0b${hl7("CUT")}\x0b`)]));
    assert.deepEqual(controlIds(await peer.waitFrames(1)), ["GOOD"]);
    await peer.closed;
    await recorder.until("the disconnect", () => recorder.disconnects.length === 1);
    assert.equal(recorder.disconnects[0].info.reason, "framing");
    assert.match(String(recorder.disconnects[0].info.error), /never ended/);
  });

  it("closes a sender that never ends its frame (idle timeout), reporting the bytes lost", async () => {
    const { port, recorder } = await start({ idleTimeout: 200 }, echoAck);
    const peer = await connect(port);
    const started = Date.now();
    peer.write(`\x0b${hl7("NEVER")}`);
    await peer.closed;
    assert.ok(Date.now() - started >= 190, "closed before the idle timeout");
    await recorder.until("the disconnect", () => recorder.disconnects.length === 1);
    const { info } = recorder.disconnects[0];
    assert.equal(info.reason, "idle");
    assert.equal(info.partialBytes, Buffer.byteLength(hl7("NEVER")));
  });

  it("closes a sender that trickles bytes: a partial frame is no activity", async () => {
    const { port, recorder } = await start({ idleTimeout: 300 }, echoAck);
    const peer = await connect(port);
    const started = Date.now();
    peer.write("\x0bMSH|");
    const trickle = setInterval(() => !peer.socket.destroyed && peer.write("x"), 50);
    try {
      await peer.closed;
    } finally {
      clearInterval(trickle);
    }
    const took = Date.now() - started;
    assert.ok(took >= 290 && took < 2000, `closed after ${took} ms`);
    await recorder.until("the disconnect", () => recorder.disconnects.length === 1);
    assert.equal(recorder.disconnects[0].info.reason, "idle");
  });

  it("keeps a connection whose sender waits for an answer longer than the idle timeout", async () => {
    const { port, recorder } = await start({ idleTimeout: 150 });
    const peer = await connect(port);
    peer.write(frame(hl7("SLOW")));
    await recorder.until("the message", () => recorder.messages.length === 1);
    await sleep(400);
    assert.equal(recorder.messages[0].canReply, true, "the connection was closed while an answer was owed");
    echoAck(recorder.messages[0]);
    assert.deepEqual(controlIds(await peer.waitFrames(1)), ["SLOW"]);
    // Then the idle clock runs again, from the answer.
    await peer.closed;
    await recorder.until("the disconnect", () => recorder.disconnects.length === 1);
    assert.equal(recorder.disconnects[0].info.reason, "idle");
  });

  it("closes a connection beyond maxConnections at once, reports it, and serves the others", async () => {
    const { port, recorder } = await start({ maxConnections: 2 }, echoAck);
    const a = await connect(port);
    const b = await connect(port);
    await recorder.until("two connections", () => recorder.peers.length === 2);
    const c = await connect(port);
    await c.closed;
    assert.deepEqual(
      recorder.refused.map((r) => [r.reason, r.address]),
      [["too-many-connections", "127.0.0.1"]],
    );
    a.write(frame(hl7("A")));
    b.write(frame(hl7("B")));
    assert.deepEqual(controlIds(await a.waitFrames(1)), ["A"]);
    assert.deepEqual(controlIds(await b.waitFrames(1)), ["B"]);
    assert.equal(server?.connectionCount, 2);
    // A slot freed is a slot for the next sender.
    a.destroy();
    await recorder.until("the disconnect", () => recorder.disconnects.length === 1);
    const d = await connect(port);
    d.write(frame(hl7("D")));
    assert.deepEqual(controlIds(await d.waitFrames(1)), ["D"]);
  });

  it("closes a sender not in the allowed list at connect, before reading a byte", async () => {
    const { port, recorder } = await start({ allow: "10.9.9.9, 192.168.0.0/16" }, echoAck);
    const peer = await connect(port);
    peer.write(frame(hl7("NO")));
    await peer.closed;
    assert.equal(peer.frames.length, 0);
    assert.equal(recorder.messages.length, 0);
    assert.deepEqual(
      recorder.refused.map((r) => [r.reason, r.address]),
      [["not-allowed", "127.0.0.1"]],
    );
  });

  it("lets an allowed sender in, an IPv4 sender of a dual-stack listener included", async () => {
    server = new MllpServer({ port: 0, host: "", allow: ["127.0.0.0/8"] });
    const recorder = new Recorder(server, echoAck);
    const { port, family } = await server.listen();
    const peer = await connect(port);
    peer.write(frame(hl7("YES")));
    assert.deepEqual(controlIds(await peer.waitFrames(1)), ["YES"]);
    assert.equal(recorder.peers[0].address, "127.0.0.1", `listening on ${family}`);
    assert.equal(server.address, `*:${port}`);
  });

  it("reads allowed senders as addresses and CIDR ranges, IPv4-mapped forms as IPv4", () => {
    assert.equal(normalizeAddress("::ffff:10.1.2.3"), "10.1.2.3");
    assert.equal(normalizeAddress("fe80::1%eth0"), "fe80::1");
    const list = AllowList.parse("10.1.2.3\n192.168.0.0/16 ::1, ::ffff:172.16.0.0/108") as AllowList;
    for (const yes of ["10.1.2.3", "::ffff:10.1.2.3", "192.168.44.1", "::1", "172.16.5.5"])
      assert.ok(list.allows(yes), yes);
    for (const no of ["10.1.2.4", "::2", "172.32.0.1", "", "not-an-ip"]) assert.ok(!list.allows(no), no);
    assert.equal(AllowList.parse(" , \n"), undefined);
    for (const bad of ["his.example.org", "10.0.0.0/33", "10.0.0.1/8/1", "::1/129"]) {
      assert.throws(
        () => AllowList.parse([bad]),
        (e: unknown) =>
          e instanceof SanteError && e.code === "SANTE_INVALID_INPUT" && /not an IP address/.test(e.message),
      );
    }
  });

  it("refuses options out of range when made", () => {
    for (const bad of [{ maxPending: 0 }, { port: 70000 }, { maxMessageBytes: 1.5 }, { idleTimeout: -1 }]) {
      assert.throws(() => new MllpServer(bad), /Invalid listener option/);
    }
  });

  it("serves MLLP over TLS, with the allowed list checked before the handshake", async function () {
    const cert = selfSigned();
    if (!cert) return this.skip();
    const { port, recorder } = await start({ tls: cert, allow: ["127.0.0.1"] }, echoAck);
    const peer = await connect(port, { tls: { ca: cert.cert, servername: "localhost" } });
    peer.write(frame(hl7("SECURE")));
    assert.deepEqual(controlIds(await peer.waitFrames(1)), ["SECURE"]);
    assert.equal(recorder.peers[0].tls, true);
    // A plain-TCP sender on the TLS port fails the handshake: reported, never a message.
    const plain = await connect(port);
    plain.write(frame(hl7("PLAIN")));
    await plain.closed;
    await recorder.until("the refusal", () => recorder.refused.length === 1);
    assert.equal(recorder.refused[0].reason, "tls-failed");
    assert.equal(recorder.messages.length, 1);
  });

  it("refuses a disallowed TLS sender without a handshake (one refusal, no TLS error)", async function () {
    const cert = selfSigned();
    if (!cert) return this.skip();
    const { port, recorder } = await start({ tls: cert, allow: ["10.9.9.9"] }, echoAck);
    await assert.rejects(RawMllpPeer.connect(port, { tls: { ca: cert.cert, servername: "localhost" } }));
    await sleep(50);
    assert.deepEqual(
      recorder.refused.map((r) => r.reason),
      ["not-allowed"],
    );
  });

  it("answers a sender that half-closes right after its message, then closes", async () => {
    const { port, recorder } = await start({}, (m) => setTimeout(() => echoAck(m), 30));
    const peer = await connect(port);
    peer.socket.end(frame(hl7("BYE")));
    assert.deepEqual(controlIds(await peer.waitFrames(1)), ["BYE"]);
    await peer.closed;
    await recorder.until("the disconnect", () => recorder.disconnects.length === 1);
    assert.equal(recorder.disconnects[0].info.reason, "peer");
    assert.equal(recorder.disconnects[0].info.unanswered, 0);
  });

  it("closeWithoutReply(): the connection closes after the earlier answers, later messages unanswered", async () => {
    const { port, recorder } = await start({ maxPending: 4 });
    const peer = await connect(port);
    peer.write(Buffer.concat(["K1", "K2", "K3"].map((id) => frame(hl7(id)))));
    await recorder.until("three messages", () => recorder.messages.length === 3);
    const [m1, m2, m3] = recorder.messages;
    assert.equal(m2.closeWithoutReply(), true);
    assert.equal(m2.reply(ack("K2")), false, "answered twice");
    echoAck(m3);
    echoAck(m1);
    await peer.closed;
    assert.deepEqual(controlIds(peer.frames), ["K1"]);
    await recorder.until("the disconnect", () => recorder.disconnects.length === 1);
    assert.equal(recorder.disconnects[0].info.reason, "closed-by-reply");
    assert.equal(recorder.disconnects[0].info.unanswered, 2, "K2 closed without an answer, K3's answer never written");
  });

  it("accept(): writes a frame ahead of the answer, after the earlier messages' answers, and keeps the message owed", async () => {
    const { port, recorder } = await start({ maxPending: 2 });
    const peer = await connect(port);
    peer.write(Buffer.concat(["E1", "E2"].map((id) => frame(hl7(id)))));
    await recorder.until("two messages", () => recorder.messages.length === 2);
    const [m1, m2] = recorder.messages;
    const codes = () => peer.frames.map((f) => /MSA\|([A-Z]{2})\|(\w+)/.exec(f)?.slice(1).join(" "));
    assert.equal(m2.accept(ack("E2", "CA")), true);
    assert.equal(m1.accept(ack("E1", "CA")), true);
    await peer.waitFrames(1);
    await sleep(30);
    assert.deepEqual(codes(), ["CA E1"], "E2's accept ACK overtook E1's answer");
    assert.equal(m1.canReply, true, "accept() ended the message");
    echoAck(m1);
    await peer.waitFrames(3);
    echoAck(m2);
    await peer.waitFrames(4);
    assert.deepEqual(codes(), ["CA E1", "AA E1", "CA E2", "AA E2"]);
    assert.equal(m1.accept(ack("E1", "CA")), false, "accepted after its answer");
  });

  it("end(): no answer, the connection stays open and the next message goes up", async () => {
    const { port, recorder } = await start();
    const peer = await connect(port);
    peer.write(Buffer.concat(["N1", "N2"].map((id) => frame(hl7(id)))));
    await recorder.until("the first message", () => recorder.messages.length === 1);
    assert.equal(recorder.messages[0].end(), true);
    assert.equal(recorder.messages[0].reply(ack("N1")), false, "answered after end()");
    await recorder.until("the second message", () => recorder.messages.length === 2);
    echoAck(recorder.messages[1]);
    assert.deepEqual(controlIds(await peer.waitFrames(1)), ["N2"]);
    peer.destroy();
    await recorder.until("the disconnect", () => recorder.disconnects.length === 1);
    assert.equal(recorder.disconnects[0].info.unanswered, 0, "an ended message counts as unanswered");
  });

  it("refuses an answer holding a frame byte, and takes a good one after it", async () => {
    const { port, recorder } = await start();
    const peer = await connect(port);
    peer.write(frame(hl7("F")));
    await recorder.until("the message", () => recorder.messages.length === 1);
    const m = recorder.messages[0];
    assert.throws(() => m.reply("MSA|AA|F\x1c\r"), /frame bytes/);
    assert.equal(m.reply(ack("F")), true);
    assert.deepEqual(controlIds(await peer.waitFrames(1)), ["F"]);
  });

  it("serves many connections at once, each in its own order", async () => {
    const { port } = await start({}, (m) => setTimeout(() => echoAck(m), Math.random() * 5));
    const senders = await Promise.all(Array.from({ length: 8 }, () => connect(port)));
    senders.forEach((p, c) => p.write(Buffer.concat(Array.from({ length: 50 }, (_, i) => frame(hl7(`C${c}-${i}`))))));
    const all = await Promise.all(senders.map((p) => p.waitFrames(50, 8000)));
    all.forEach((frames, c) =>
      assert.deepEqual(
        controlIds(frames),
        Array.from({ length: 50 }, (_, i) => `C${c}-${i}`),
      ),
    );
  });

  it("close() ends every connection and resolves when all are gone; answers owed are lost and reported", async () => {
    const { port, recorder, server: s } = await start();
    const a = await connect(port);
    const b = await connect(port);
    a.write(frame(hl7("OWED")));
    await recorder.until("the message", () => recorder.messages.length === 1);
    b.write("\x0bMSH|half");
    await sleep(20);
    await s.close();
    await Promise.all([a.closed, b.closed]);
    assert.equal(recorder.messages[0].reply(ack("OWED")), false);
    assert.equal(s.connectionCount, 0);
    const infos = recorder.disconnects.map((d) => d.info);
    assert.deepEqual(infos.map((i) => [i.reason, i.unanswered]).sort(), [
      ["server-closed", 0],
      ["server-closed", 1],
    ]);
    assert.ok(infos.some((i) => i.partialBytes === 8));
    await assert.rejects(s.listen(), /closed/);
  });

  it("close() right after listen(), before the host is looked up and bound, leaves nothing listening", async () => {
    // A node closed by a redeploy just after it started: net.Server binds after its lookup of the host.
    const servers = () => process.getActiveResourcesInfo().filter((kind) => kind === "TCPServerWrap").length;
    const before = servers();
    for (const host of ["127.0.0.1", "localhost", ""]) {
      const s = new MllpServer({ port: 0, host });
      const listening = s.listen().catch(() => undefined);
      await s.close();
      await listening;
      await sleep(50); // a bind that came after close() would show by now
      assert.equal(s.connectionCount, 0);
      assert.equal(servers(), before, `a server still listens (host ${JSON.stringify(host)})`);
    }
  });

  it("reports a port already in use as SANTE_CONNECTION", async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    try {
      server = new MllpServer({ port: (taken.address() as net.AddressInfo).port, host: "127.0.0.1" });
      await assert.rejects(
        server.listen(),
        (e: unknown) => e instanceof SanteError && e.code === "SANTE_CONNECTION" && /EADDRINUSE/.test(e.message),
      );
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
