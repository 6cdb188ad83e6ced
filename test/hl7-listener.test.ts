import { strict as assert } from "node:assert";
import fc from "fast-check";
import {
  applicationAck,
  buildAck,
  Hl7Listener,
  readHl7,
  readHl7Header,
  readListenerOptions,
  receiptPlan,
  rejectAck,
  resendKey,
  SanteError,
  type Hl7Inbound,
  type Hl7ListenerOptions,
  type Hl7Rejection,
} from "../lib/api";
import { MllpClient } from "../lib/mllp";
import { FeedHeaders } from "../lib/hl7-listener/feed-headers";
import { leakCheckEach } from "./helpers/handles";
import { frame, msa, RawMllpPeer } from "./helpers/mllp-peer";
import { until } from "./helpers/test-clock";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface MessageSpec {
  type?: string;
  /** MSH-7 */
  time?: string;
  /** MSH-15 and MSH-16 (enhanced mode). */
  enhanced?: [string, string];
  patient?: string;
  version?: string;
}

/** An HL7 message with control ID `id`, from RIS/HOSP to PACS/RAD. */
function hl7(id: string, spec: MessageSpec = {}): string {
  const enhanced = spec.enhanced ? `|||${spec.enhanced[0]}|${spec.enhanced[1]}` : "";
  return (
    `MSH|^~\\&|RIS|HOSP|PACS|RAD|${spec.time ?? "20240101120000"}||${spec.type ?? "ORM^O01"}|${id}|P|` +
    `${spec.version ?? "2.5.1"}${enhanced}\rPID|1||${spec.patient ?? "12345"}^^^HOSP^MR\r`
  );
}

describe("Hl7Listener: the ACK policy over real TCP", function () {
  this.timeout(15000);
  let listener: Hl7Listener | undefined;
  let peers: RawMllpPeer[] = [];
  let clients: MllpClient[] = [];

  leakCheckEach(async () => {
    for (const p of peers) p.destroy();
    peers = [];
    await Promise.all(clients.map((c) => c.close()));
    clients = [];
    await listener?.close();
    listener = undefined;
  });

  async function start(options: Hl7ListenerOptions = {}, answer?: (m: Hl7Inbound, l: Hl7Listener) => void) {
    const l = new Hl7Listener({ port: 0, host: "127.0.0.1", ...options });
    listener = l;
    const got: Hl7Inbound[] = [];
    const rejected: Hl7Rejection[] = [];
    const duplicates: boolean[] = [];
    const timeouts: string[] = [];
    l.on("message", (m) => {
      got.push(m);
      answer?.(m, l);
    });
    l.on("rejected", (r) => rejected.push(r));
    l.on("duplicate", (_h, _p, inProgress) => duplicates.push(inProgress));
    l.on("timeout", (h, _p, ack) => timeouts.push(`${h.controlId} ${ack}`));
    const { port } = await l.listen();
    return { port, got, rejected, duplicates, timeouts, l };
  }

  async function connect(port: number) {
    const peer = await RawMllpPeer.connect(port);
    peers.push(peer);
    return peer;
  }

  describe("after handling (the default)", () => {
    it("sends the ACK only when the flow answers: AA, MSA-2 = MSH-10, sender and receiver swapped", async () => {
      const { port, got, l } = await start();
      const peer = await connect(port);
      peer.write(frame(hl7("ORD1")));
      await until(() => got.length === 1, "the message");
      assert.equal(got[0].text, hl7("ORD1"));
      assert.equal(got[0].header.controlId, "ORD1");
      assert.match(got[0].id, /^[0-9A-Z]+:\d+:1$/);
      await sleep(50);
      assert.equal(peer.frames.length, 0, "acknowledged before the flow answered");
      assert.equal(l.pendingCount, 1);
      assert.equal(l.reply(got[0].id).result, "sent");
      const [ack] = await peer.waitFrames(1);
      assert.equal(msa(ack), "AA ORD1");
      assert.equal(readHl7(ack, "MSH-9"), "ACK^O01^ACK");
      assert.deepEqual(
        [3, 4, 5, 6].map((f) => readHl7(ack, `MSH-${f}`)),
        ["PACS", "RAD", "RIS", "HOSP"],
      );
      assert.equal(l.pendingCount, 0);
      assert.equal(l.reply(got[0].id).result, "answered", "a second answer");
    });

    it("answers AE for an error, AR for SANTE_INVALID_INPUT, with an ERR segment carrying the code", async () => {
      const { port, got, l } = await start();
      const peer = await connect(port);
      peer.write(Buffer.concat(["E1", "E2", "E3"].map((id) => frame(hl7(id)))));
      const replies = [];
      await until(() => got.length === 1, "E1");
      replies.push(l.reply(got[0].id, { error: { code: "SANTE_NOT_FOUND", message: "Study 1.2.3 is not known" } }));
      await until(() => got.length === 2, "E2");
      replies.push(l.reply(got[1].id, { error: { code: "SANTE_INVALID_INPUT", message: "no UID in IPC-3.1" } }));
      await until(() => got.length === 3, "E3");
      replies.push(l.reply(got[2].id, { error: { code: "SANTE_TIMEOUT", message: "slow" }, errorAck: "AR" }));
      assert.deepEqual(replies, [
        { result: "sent", ack: "AE" },
        { result: "sent", ack: "AR" },
        { result: "sent", ack: "AR" },
      ]);
      const acks = await peer.waitFrames(3);
      assert.deepEqual(acks.map(msa), ["AE E1", "AR E2", "AR E3"]);
      assert.equal(readHl7(acks[0], "ERR-3"), "204^Unknown key identifier^HL70357");
      assert.equal(readHl7(acks[0], "ERR-5"), "SANTE_NOT_FOUND");
      assert.equal(readHl7(acks[1], "ERR-5"), "SANTE_INVALID_INPUT");
      assert.equal(readHl7(acks[1], "ERR-8"), "no UID in IPC-3.1");
    });

    it("answers AE with SANTE_TIMEOUT when the flow is silent past the reply timeout; a late answer is refused", async () => {
      const { port, got, l, timeouts } = await start({ replyTimeout: 150 });
      const peer = await connect(port);
      const started = Date.now();
      peer.write(frame(hl7("LATE")));
      const [ack] = await peer.waitFrames(1);
      assert.ok(Date.now() - started >= 140, "answered before the timeout");
      assert.equal(msa(ack), "AE LATE");
      assert.equal(readHl7(ack, "ERR-5"), "SANTE_TIMEOUT");
      assert.deepEqual(timeouts, ["LATE AE"]);
      assert.equal(l.reply(got[0].id).result, "answered");
      // The connection carries on.
      peer.write(frame(hl7("NEXT")));
      await until(() => got.length === 2, "NEXT");
      l.reply(got[1].id);
      assert.equal(msa((await peer.waitFrames(2))[1]), "AA NEXT");
    });

    it("times each message out on its own clock: later messages later, answered ones not at all", async () => {
      const { port, got, l } = await start({ replyTimeout: 200 });
      const [a, b, c] = await Promise.all([connect(port), connect(port), connect(port)]);
      const sent = new Map<string, number>();
      const acked = new Map<string, number>();
      for (const [peer, id] of [
        [a, "T1"],
        [b, "T2"],
        [c, "T3"],
      ] as const) {
        sent.set(id, Date.now());
        peer.write(frame(hl7(id)));
        peer.waitFrames(1, 5000).then(
          () => acked.set(id, Date.now() - (sent.get(id) ?? 0)),
          () => undefined, // the asserts below say what is missing
        );
        await sleep(60);
      }
      await until(() => got.some((m) => m.header.controlId === "T2"), "T2 with the flow");
      assert.equal(l.reply(got.find((m) => m.header.controlId === "T2")?.id ?? "").result, "sent");
      await until(() => acked.size === 3, "three answers");
      assert.deepEqual((await a.waitFrames(1)).map(msa), ["AE T1"]);
      assert.deepEqual((await b.waitFrames(1)).map(msa), ["AA T2"]);
      assert.deepEqual((await c.waitFrames(1)).map(msa), ["AE T3"]);
      for (const id of ["T1", "T3"]) {
        const after = acked.get(id) ?? 0;
        assert.ok(after >= 190 && after < 1500, `${id} timed out after ${after} ms`);
      }
      assert.ok((acked.get("T2") ?? 0) < 190, "the answered message waited for its timeout");
    });

    it("with no ACK on timeout, closes the connection unanswered, and the resend reaches the flow again", async () => {
      const { port, got, l, timeouts } = await start({ replyTimeout: 100, timeoutAck: "none" });
      const peer = await connect(port);
      peer.write(frame(hl7("AGAIN")));
      await peer.closed;
      assert.equal(peer.frames.length, 0);
      assert.deepEqual(timeouts, ["AGAIN none"]);
      const again = await connect(port);
      again.write(frame(hl7("AGAIN")));
      await until(() => got.length === 2, "the resend");
      assert.equal(l.reply(got[1].id).result, "sent");
      assert.equal(msa((await again.waitFrames(1))[0]), "AA AGAIN");
    });

    it("keeps each connection's order under load, many connections at once, every ACK matching its message", async () => {
      const { port, got } = await start({}, (m, l) => setTimeout(() => l.reply(m.id), Math.random() * 4));
      const senders = await Promise.all(Array.from({ length: 20 }, () => connect(port)));
      const ids = (c: number) => Array.from({ length: 40 }, (_, i) => `C${c}-${i}`);
      senders.forEach((p, c) => p.write(Buffer.concat(ids(c).map((id) => frame(hl7(id))))));
      const acks = await Promise.all(senders.map((p) => p.waitFrames(40, 10000)));
      acks.forEach((frames, c) =>
        assert.deepEqual(
          frames.map(msa),
          ids(c).map((id) => `AA ${id}`),
        ),
      );
      // The flow saw each connection's messages in the order they were sent.
      for (let c = 0; c < senders.length; c++) {
        const seen = got.filter((m) => m.header.controlId.startsWith(`C${c}-`)).map((m) => m.header.controlId);
        assert.deepEqual(seen, ids(c));
      }
    });

    it("with MllpClient senders (10 connections × 30 messages): N/N ACKs, none handed up twice", async () => {
      const { port, got } = await start({}, (m, l) => setImmediate(() => l.reply(m.id)));
      const all: Promise<string>[] = [];
      for (let c = 0; c < 10; c++) {
        const client = new MllpClient({ port });
        clients.push(client);
        for (let i = 0; i < 30; i++) all.push(client.send(hl7(`K${c}-${i}`)).then((a) => `${a.code} ${a.controlId}`));
      }
      const acks = await Promise.all(all);
      assert.equal(acks.filter((a, k) => a === `AA K${Math.floor(k / 30)}-${k % 30}`).length, 300);
      assert.equal(got.length, 300);
    });
  });

  describe("on receipt", () => {
    it("answers AA at once, then hands the message to the flow; the flow's answer is not needed", async () => {
      const { port, got, l } = await start({ ackMode: "on-receipt" });
      const peer = await connect(port);
      peer.write(Buffer.concat(["R1", "R2"].map((id) => frame(hl7(id)))));
      assert.deepEqual((await peer.waitFrames(2)).map(msa), ["AA R1", "AA R2"]);
      await until(() => got.length === 2, "both messages");
      assert.deepEqual(
        got.map((m) => m.header.controlId),
        ["R1", "R2"],
      );
      assert.equal(l.reply(got[0].id).result, "on-receipt");
      assert.equal(l.pendingCount, 0);
    });
  });

  describe("enhanced mode (MSH-15/MSH-16)", () => {
    it("AL/AL: CA on receipt, the application ACK when the flow answers", async () => {
      const { port, got, l } = await start();
      const peer = await connect(port);
      peer.write(frame(hl7("EN1", { enhanced: ["AL", "AL"] })));
      const [ca] = await peer.waitFrames(1);
      assert.equal(msa(ca), "CA EN1");
      await until(() => got.length === 1, "the message");
      assert.equal(l.reply(got[0].id, { error: { code: "SANTE_NOT_FOUND", message: "unknown study" } }).result, "sent");
      assert.equal(msa((await peer.waitFrames(2))[1]), "AE EN1");
    });

    it("AL/NE: CA only; the answer sends nothing and the next message follows", async () => {
      const { port, got, l } = await start();
      const peer = await connect(port);
      peer.write(Buffer.concat([frame(hl7("NE1", { enhanced: ["AL", "NE"] })), frame(hl7("ORIG"))]));
      await until(() => got.length === 1, "the message");
      assert.equal(l.reply(got[0].id).result, "not-requested");
      await until(() => got.length === 2, "the next message");
      l.reply(got[1].id);
      assert.deepEqual((await peer.waitFrames(2)).map(msa), ["CA NE1", "AA ORIG"]);
    });

    it("NE/ER: nothing on receipt nor on success, an AE on error", async () => {
      const { port, got, l } = await start();
      const peer = await connect(port);
      peer.write(Buffer.concat(["ER1", "ER2"].map((id) => frame(hl7(id, { enhanced: ["NE", "ER"] })))));
      await until(() => got.length === 1, "ER1");
      assert.equal(l.reply(got[0].id).result, "not-requested");
      await until(() => got.length === 2, "ER2");
      assert.equal(l.reply(got[1].id, { error: { code: "SANTE_TIMEOUT", message: "PACS silent" } }).result, "sent");
      assert.deepEqual((await peer.waitFrames(1)).map(msa), ["AE ER2"]);
    });

    it("on receipt: CA and AA at once", async () => {
      const { port, got } = await start({ ackMode: "on-receipt" });
      const peer = await connect(port);
      peer.write(frame(hl7("ENR", { enhanced: ["AL", "SU"] })));
      assert.deepEqual((await peer.waitFrames(2)).map(msa), ["CA ENR", "AA ENR"]);
      await until(() => got.length === 1, "the message");
    });
  });

  describe("duplicates (a resend after a lost ACK)", () => {
    it("answers a resend within the window with the very same ACK and does not hand it up again", async () => {
      const { port, got, l, duplicates } = await start({}, (m, lst) => lst.reply(m.id));
      const first = await connect(port);
      first.write(frame(hl7("DUP1")));
      const [ack] = await first.waitFrames(1);
      first.destroy();
      const second = await connect(port);
      // Some senders stamp MSH-7 again when they resend.
      second.write(frame(hl7("DUP1", { time: "20240101120105" })));
      const [again] = await second.waitFrames(1);
      assert.equal(again, ack);
      assert.equal(got.length, 1);
      assert.deepEqual(duplicates, [false]);
      assert.equal(l.pendingCount, 0);
    });

    it("hands up a message that reuses a control ID with other content (a sender whose counter restarted)", async () => {
      const { port, got } = await start({}, (m, l) => l.reply(m.id));
      const peer = await connect(port);
      peer.write(Buffer.concat([frame(hl7("ID1", { patient: "P1" })), frame(hl7("ID1", { patient: "P2" }))]));
      assert.deepEqual((await peer.waitFrames(2)).map(msa), ["AA ID1", "AA ID1"]);
      assert.equal(got.length, 2);
    });

    it("hands a resend up again after the window, or always with duplicates off", async () => {
      const short = await start({ duplicateWindow: 80 }, (m, l) => l.reply(m.id));
      const peer = await connect(short.port);
      peer.write(frame(hl7("W1")));
      await peer.waitFrames(1);
      await sleep(120);
      peer.write(frame(hl7("W1")));
      await peer.waitFrames(2);
      assert.equal(short.got.length, 2);
      await short.l.close();

      const off = await start({ duplicates: false }, (m, l) => l.reply(m.id));
      const p2 = await connect(off.port);
      p2.write(Buffer.concat([frame(hl7("W2")), frame(hl7("W2"))]));
      await p2.waitFrames(2);
      assert.equal(off.got.length, 2);
    });

    it("a resend that arrives while the original is with the flow gets the original's ACK when it comes", async () => {
      const { port, got, l, duplicates } = await start();
      const first = await connect(port);
      first.write(frame(hl7("INFL", { enhanced: ["AL", "AL"] })));
      await until(() => got.length === 1, "the message");
      const second = await connect(port);
      second.write(frame(hl7("INFL", { enhanced: ["AL", "AL"] })));
      // The resend gets the accept ACK at once (the original is committed), the application ACK with the original's.
      const [caAgain] = await second.waitFrames(1);
      assert.equal(msa(caAgain), "CA INFL");
      assert.deepEqual(duplicates, [true]);
      assert.equal(got.length, 1);
      assert.equal(l.reply(got[0].id).result, "sent");
      const [, aa] = await first.waitFrames(2);
      assert.equal((await second.waitFrames(2))[1], aa);
      assert.equal(msa(aa), "AA INFL");
    });

    it("when the sender left before the answer: 'gone', and its resend gets the answer, or waits for it", async () => {
      const { port, got, l } = await start();
      const first = await connect(port);
      first.write(frame(hl7("GONE1")));
      await until(() => got.length === 1, "GONE1");
      // A reset: the listener learns at once that the sender is gone (after a FIN it would still answer).
      first.socket.resetAndDestroy();
      await until(() => l.connectionCount === 0, "the disconnect");
      assert.equal(l.reply(got[0].id).result, "gone");
      const second = await connect(port);
      second.write(frame(hl7("GONE1")));
      assert.equal(msa((await second.waitFrames(1))[0]), "AA GONE1");

      // Left, then resent before the flow answered: the resend waits and gets it.
      second.write(frame(hl7("GONE2")));
      await until(() => got.length === 2, "GONE2");
      const third = await connect(port);
      second.socket.resetAndDestroy();
      third.write(frame(hl7("GONE2")));
      await sleep(30);
      assert.equal(l.reply(got[1].id).result, "sent");
      assert.equal(msa((await third.waitFrames(1))[0]), "AA GONE2");
      assert.equal(got.length, 2);
    });

    it("remembers at most duplicateLimit answered messages, the oldest forgotten first", async () => {
      const { port, got } = await start({ duplicateLimit: 2 }, (m, l) => l.reply(m.id));
      const peer = await connect(port);
      peer.write(Buffer.concat(["L1", "L2", "L3", "L3", "L1"].map((id) => frame(hl7(id)))));
      await peer.waitFrames(5);
      assert.deepEqual(
        got.map((m) => m.header.controlId),
        ["L1", "L2", "L3", "L1"],
      );
    });
  });

  describe("bad input", () => {
    it("answers input without a usable MSH with an AR and goes on with the next message", async () => {
      const { port, got, rejected, l } = await start({}, (m, lst) => lst.reply(m.id));
      const peer = await connect(port);
      const noId = "MSH|^~\\&|RIS|HOSP|PACS|RAD|20240101||ORM^O01||P|2.3\rPID|1\r";
      peer.write(Buffer.concat([frame("PID|1||x\r"), frame(noId), frame(hl7("FINE"))]));
      const acks = await peer.waitFrames(3);
      assert.deepEqual(acks.map(msa), ["AR ", "AR ", "AA FINE"]);
      assert.equal(readHl7(acks[0], "ERR-3.1"), "100");
      assert.equal(readHl7(acks[1], "ERR-1.4.1"), "101", "ERR before v2.5 is an ELD");
      assert.deepEqual(
        rejected.map((r) => [r.reason, r.ack]),
        [
          ["not-hl7", "AR"],
          ["no-control-id", "AR"],
        ],
      );
      assert.deepEqual(
        got.map((m) => m.header.controlId),
        ["FINE"],
      );
      assert.equal(l.pendingCount, 0);
    });

    it("answers an oversize message AR (CR in enhanced mode) naming its MSH-10, then closes", async () => {
      const { port, got, rejected } = await start({ maxMessageBytes: 500 });
      const big = (id: string, spec: MessageSpec = {}) => hl7(id, spec) + `OBX|1|TX|||${"x".repeat(2000)}\r`;
      const peer = await connect(port);
      peer.write(frame(big("BIG")));
      const [ar] = await peer.waitFrames(1);
      await peer.closed;
      assert.equal(msa(ar), "AR BIG");
      assert.match(readHl7(ar, "ERR-8"), /larger than the 500-byte limit/);
      const enhanced = await connect(port);
      enhanced.write(frame(big("BIGE", { enhanced: ["AL", "AL"] })));
      assert.equal(msa((await enhanced.waitFrames(1))[0]), "CR BIGE");
      await enhanced.closed;
      assert.equal(got.length, 0);
      assert.deepEqual(
        rejected.map((r) => `${r.reason} ${r.messageType} ${r.controlId}`),
        ["oversize ORM^O01 BIG", "oversize ORM^O01 BIGE"],
      );
    });
  });

  describe("closing", () => {
    it("close() frees everything: messages with the flow stay unanswered (senders resend), later answers are refused", async () => {
      const { port, got, l } = await start({ replyTimeout: 60_000 });
      const a = await connect(port);
      const b = await connect(port);
      a.write(frame(hl7("OPEN1")));
      b.write(frame(hl7("OPEN2", { enhanced: ["AL", "AL"] })));
      await until(() => got.length === 2, "both messages");
      await b.waitFrames(1);
      await l.close();
      await Promise.all([a.closed, b.closed]);
      assert.equal(a.frames.length, 0);
      assert.deepEqual(b.frames.map(msa), ["CA OPEN2"]);
      assert.equal(l.reply(got[0].id).result, "closed");
      assert.equal(l.pendingCount, 0);
      // (leakCheckEach: no socket, server or timer left, the 60 s reply timers included.)
    });

    it("refuses an answer naming a message of another run of the listener", async () => {
      const first = await start({}, () => undefined);
      const peer = await connect(first.port);
      peer.write(frame(hl7("RUN1")));
      await until(() => first.got.length === 1, "the message");
      const second = new Hl7Listener({ port: 0, host: "127.0.0.1" });
      try {
        assert.equal(second.reply(first.got[0].id).result, "closed");
        assert.equal(second.reply("nonsense").result, "closed");
      } finally {
        await second.close();
      }
    });
  });
});

describe("the ACK policy, decision by decision", () => {
  const header = (msh15 = "", msh16 = "") =>
    readHl7Header(hl7("X", msh15 || msh16 ? { enhanced: [msh15, msh16] } : {}));
  const fail = { error: { code: "SANTE_NOT_FOUND", message: "x" } };
  const invalid = { error: { code: "SANTE_INVALID_INPUT", message: "x" } };

  it("original mode: nothing on receipt and AA/AE/AR after handling; AA at once on receipt", () => {
    assert.deepEqual(receiptPlan(header(), "after-handling"), { now: [], later: true });
    assert.deepEqual(receiptPlan(header(), "on-receipt"), { now: ["AA"], later: false });
    assert.equal(applicationAck(header(), {}), "AA");
    assert.equal(applicationAck(header(), fail), "AE");
    assert.equal(applicationAck(header(), invalid), "AR");
    assert.equal(applicationAck(header(), { ...invalid, errorAck: "AE" }), "AE");
    assert.equal(rejectAck(header()), "AR");
    assert.equal(rejectAck(undefined), "AR");
  });

  it("enhanced mode follows MSH-15 for the accept ACK and MSH-16 for the application ACK", () => {
    const table: [string, string, string][] = [];
    for (const msh15 of ["AL", "NE", "ER", "SU"]) {
      for (const msh16 of ["AL", "NE", "ER", "SU"]) {
        const h = header(msh15, msh16);
        const plan = receiptPlan(h, "after-handling");
        const onReceipt = receiptPlan(h, "on-receipt");
        table.push([
          `${msh15}/${msh16}`,
          `${plan.now.join("+")}|${applicationAck(h, {}) ?? "-"}|${applicationAck(h, fail) ?? "-"}`,
          `${onReceipt.now.join("+")}|${rejectAck(h) ?? "-"}`,
        ]);
      }
    }
    assert.deepEqual(table, [
      ["AL/AL", "CA|AA|AE", "CA+AA|CR"],
      ["AL/NE", "CA|-|-", "CA|CR"],
      ["AL/ER", "CA|-|AE", "CA|CR"],
      ["AL/SU", "CA|AA|-", "CA+AA|CR"],
      ["NE/AL", "|AA|AE", "AA|-"],
      ["NE/NE", "|-|-", "|-"],
      ["NE/ER", "|-|AE", "|-"],
      ["NE/SU", "|AA|-", "AA|-"],
      ["ER/AL", "|AA|AE", "AA|CR"],
      ["ER/NE", "|-|-", "|CR"],
      ["ER/ER", "|-|AE", "|CR"],
      ["ER/SU", "|AA|-", "AA|CR"],
      ["SU/AL", "CA|AA|AE", "CA+AA|-"],
      ["SU/NE", "CA|-|-", "CA|-"],
      ["SU/ER", "CA|-|AE", "CA|-"],
      ["SU/SU", "CA|AA|-", "CA+AA|-"],
    ]);
  });

  it("reads the node's settings as the editor saves them, and refuses options out of range", () => {
    const options = readListenerOptions({
      port: "2576",
      host: " 127.0.0.1 ",
      allow: "10.0.0.0/8",
      maxConnections: "",
      ackMode: "on-receipt",
      replyTimeout: "5000",
      timeoutAck: "none",
      duplicates: false,
      duplicateWindow: "60000",
    });
    assert.deepEqual(options, {
      port: 2576,
      host: "127.0.0.1",
      allow: "10.0.0.0/8",
      maxConnections: 100,
      idleTimeout: 600_000,
      maxMessageBytes: 1_048_576,
      ackMode: "on-receipt",
      replyTimeout: 5000,
      timeoutAck: "none",
      duplicates: false,
      duplicateWindow: 60_000,
    });
    assert.throws(() => readListenerOptions({ ackMode: "whenever" }), /ackMode must be one of/);
    assert.throws(() => readListenerOptions({ replyTimeout: "soon" }), SanteError);
    for (const bad of [{ replyTimeout: 0 }, { duplicateLimit: 0 }, { ackMode: "x" }, { maxConnections: 0 }]) {
      assert.throws(
        () => new Hl7Listener(bad as Hl7ListenerOptions),
        (e: unknown) => e instanceof SanteError && /Invalid listener option/.test(e.message),
      );
    }
  });
});

describe("resendKey", () => {
  const segment = fc.stringMatching(/^[A-Za-z0-9 ^~&.|]{0,30}$/);
  const field = fc.stringMatching(/^[A-Za-z0-9 ^~&.]{0,14}$/);

  it("is the same whatever MSH-7 and trailing line ends, and differs when anything else differs", () => {
    fc.assert(
      fc.property(field, field, field, segment, fc.constantFrom("", "\r", "\r\n", "\n\r\r"), (a, b, id, rest, tail) => {
        const msg = (time: string, body: string) =>
          `MSH|^~\\&|RIS|HOSP|PACS|RAD|${time}||ADT^A08|${id}|P|2.5\rPID|${body}\r`;
        assert.equal(resendKey(msg(a, rest)), resendKey(msg(b, rest) + tail));
        assert.notEqual(resendKey(msg(a, rest)), resendKey(msg(a, `${rest}X`)));
        assert.notEqual(resendKey(msg(a, rest)), resendKey(msg(a, rest).replace(`|${id}|P|`, `|${id}Z|P|`)));
      }),
    );
  });

  it("reads any text, an MSH without MSH-7 or no MSH at all", () => {
    fc.assert(fc.property(fc.string(), (text) => typeof resendKey(text) === "string"));
    assert.notEqual(resendKey("MSH|^~\\&|A"), resendKey("MSH|^~\\&|B"));
  });
});

describe("FeedHeaders (the listener's cache of header shapes and ACK templates)", () => {
  const shapes = fc.record({
    separator: fc.constantFrom("|", "#"),
    encoding: fc.constantFrom("^~\\&", "^~\\&#", "^~", "^"),
    apps: fc.array(fc.stringMatching(/^[A-Za-z0-9 ^&~\\.]{0,8}$/), { minLength: 4, maxLength: 4 }),
    type: fc.constantFrom("ORM^O01", "ADT^A08^ADT_A01", "ORU^R01", "ACK"),
    tail: fc.constantFrom("", "|||AL|NE", "|||AL|AL|||UNICODE UTF-8", "|||"),
    version: fc.constantFrom("2.3", "2.5.1", "2.7", ""),
  });
  const value = fc.oneof(
    fc.stringMatching(/^[A-Z0-9]{1,12}$/),
    fc.stringMatching(/^[A-Za-z0-9 ^&~\\.\t"-]{0,10}$/),
    fc.constant('""'),
  );

  it("reads every header and writes every AA/CA exactly as readHl7Header and buildAck do, cache hit or not", () => {
    const feed = new FeedHeaders();
    const now = new Date(Date.UTC(2024, 0, 15, 10, 30, 2));
    fc.assert(
      fc.property(
        fc.array(shapes, { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(value, value, fc.nat()), { minLength: 1, maxLength: 8 }),
        (pool, messages) => {
          for (const [time, id, pick] of messages) {
            const s = pool[pick % pool.length];
            const sep = s.separator;
            const fields = ["MSH", s.encoding, ...s.apps, time, "", s.type, id, "P", s.version];
            const text = `${fields.join(sep)}${s.tail.replaceAll("|", sep)}\rPID${sep}1\r`;
            let expected: ReturnType<typeof readHl7Header>;
            try {
              expected = readHl7Header(text);
            } catch {
              assert.throws(() => feed.read(text));
              continue;
            }
            const got = feed.read(text);
            assert.deepEqual(got.header, expected);
            for (const code of ["AA", "CA"] as const) {
              assert.equal(
                got.plainAck(code, { controlId: "ACK42", now }),
                buildAck(expected, code, { controlId: "ACK42", now }),
              );
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("gives each message a header of its own: changing one changes neither the next nor its ACK", () => {
    const feed = new FeedHeaders();
    const first = feed.read(hl7("F1"));
    (first.header.sendingApplication as { namespaceId: string }).namespaceId = "CHANGED";
    (first.header as { controlId: string }).controlId = "CHANGED";
    const second = feed.read(hl7("F2"));
    assert.equal(second.header.sendingApplication.namespaceId, "RIS");
    assert.match(
      second.plainAck("AA"),
      /^MSH\|\^~\\&\|PACS\|RAD\|RIS\|HOSP\|\d{14}[+-]\d{4}\|\|ACK\^O01\^ACK\|[0-9A-Z]+\|P\|2\.5\.1\rMSA\|AA\|F2\r$/,
    );
  });
});
