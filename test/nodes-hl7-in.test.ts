import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readHl7 } from "../lib/hl7";
import { startSimulator, type RunningSimulator } from "../lib/simulator";
import type { NodeMessage } from "../nodes/glue/node-red-types";
import { assertNoLeaks, resourceCounts } from "./helpers/handles";
import { frame, msa, RawMllpPeer } from "./helpers/mllp-peer";
import { caughtCode, serverDef, TAB, until } from "./helpers/nr-flows";
import { outcomeOf, replyTarget, type ErrorAckSetting } from "../nodes/glue/reply-outcome";
import { callsBy, coreNode, helper, node, OUR_NODES } from "./helpers/nr-helper";
import { selfSigned } from "./helpers/self-signed";

const KNOWN_UID = "1.2.826.0.1.3748527.1.4.2.0.20181120.185921.384642";
const at = { z: TAB, x: 100, y: 100 };
const tlsNode = coreNode("network/05-tls.js");
const functionNode = coreNode("function/10-function.js");

/** An ORM^O01 (v2.3) with control ID `id`, patient DOE^JANE, and the study UID in ZDS-1 (none: no ZDS). */
function order(id: string, uid?: string, extra = ""): string {
  return (
    `MSH|^~\\&|RIS|HOSP|PACS|RAD|20240101120000||ORM^O01|${id}|P|2.3${extra}\r` +
    "PID|1||P1^^^HOSP^MR||DOE^JANE\rORC|NW|ORD1\rOBR|1|ORD1||CT^CT HEAD\r" +
    (uid ? `ZDS|${uid}^^Application^DICOM\r` : "")
  );
}

/** The listener node "in" with its output wired to `to`, plus whatever else the test needs. */
function listenerFlow(settings: Record<string, unknown>, to: string[], ...extra: object[]): object[] {
  return [
    { id: TAB, type: "tab", label: "test" },
    { id: "in", type: "sante-hl7-in", ...at, port: "0", host: "127.0.0.1", wires: [to], ...settings },
    { id: "reply", type: "sante-hl7-reply", ...at, name: "", errorAck: "auto" },
    ...extra,
  ];
}

const helperNode = (id: string) => ({ id, type: "helper", ...at });

/** The port the listener reports in its status ("port 43512, 0 connections"). */
async function listeningPort(): Promise<number> {
  let port: number | undefined;
  await until(() => {
    for (const [status] of callsBy(node("in").status, "in")) {
      const m = /^port (\d+)/.exec((status as { text?: string }).text ?? "");
      if (m) port = Number(m[1]);
    }
    return port !== undefined;
  }, "the listener's port");
  return port as number;
}

const warnings = (id: string) => callsBy(node(id).warn, id).map(([w]) => String(w));
const lastStatus = (id: string) => callsBy(node(id).status, id).at(-1)?.[0] as { fill?: string; text?: string };

describe("sante-hl7-in and sante-hl7-reply in a Node-RED runtime", function () {
  this.timeout(20000);
  let peers: RawMllpPeer[] = [];
  let baseline: Map<string, number>;

  beforeEach(async () => {
    await new Promise((resolve) => setImmediate(resolve));
    baseline = resourceCounts();
  });
  afterEach(async () => {
    for (const p of peers) p.destroy();
    peers = [];
    await helper.unload();
    // The listener closed with its flow: no socket, server or timer left (reply timers included).
    await assertNoLeaks(baseline);
  });

  async function connect(port: number, tls?: Parameters<typeof RawMllpPeer.connect>[1]) {
    const peer = await RawMllpPeer.connect(port, tls);
    peers.push(peer);
    return peer;
  }

  /** Loads `flow` and collects what reaches the helper nodes "out" and "caught". */
  async function load(flow: object[], nodes = OUR_NODES) {
    await helper.load(nodes, flow);
    const outputs: NodeMessage[] = [];
    const caught: NodeMessage[] = [];
    const completed: NodeMessage[] = [];
    helper.getNode("out")?.on("input", (msg) => outputs.push(msg));
    helper.getNode("caught")?.on("input", (msg) => caught.push(msg));
    helper.getNode("completed")?.on("input", (msg) => completed.push(msg));
    return { outputs, caught, completed };
  }

  it("passes each message on with payload, topic and msg.hl7, and ACKs it AA only when hl7 reply is reached", async () => {
    const { outputs } = await load(listenerFlow({}, ["out"], helperNode("out")));
    const port = await listeningPort();
    const peer = await connect(port);
    peer.write(frame(order("ORD1", KNOWN_UID)));
    await until(() => outputs.length === 1, "the message");
    const msg = outputs[0];
    assert.equal(msg.payload, order("ORD1", KNOWN_UID));
    assert.equal(msg.topic, "ORM^O01");
    const hl7 = msg.hl7 as Record<string, unknown>;
    assert.equal(hl7.message, msg.payload);
    assert.equal(hl7.controlId, "ORD1");
    assert.equal(hl7.listenerId, "in");
    assert.match(String(hl7.messageId), /^[0-9A-Z]+:\d+:1$/);
    assert.deepEqual(hl7.sendingApplication, { namespaceId: "RIS", universalId: "", universalIdType: "" });
    assert.deepEqual(hl7.peer, { address: "127.0.0.1", port: peer.socket.localPort, tls: false });
    assert.deepEqual(JSON.parse(JSON.stringify(hl7)), hl7, "msg.hl7 is plain JSON data");
    await until(() => lastStatus("in")?.text === `port ${port}, 1 connection`, "the connection in the status");
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(peer.frames.length, 0, "acknowledged before the reply");
    node("reply").receive(msg);
    const [ack] = await peer.waitFrames(1);
    assert.equal(msa(ack), "AA ORD1");
    assert.equal(readHl7(ack, "MSH-9"), "ACK^O01^ACK");
    await until(() => lastStatus("reply")?.text === "AA", "the reply's status");
    assert.equal(lastStatus("reply").fill, "green");
  });

  describe("with lookups, as an order flow is built", () => {
    let sim: RunningSimulator;
    before(async () => {
      sim = await startSimulator({ port: 0 });
    });
    after(() => sim.close());

    /** hl7 in → study token → hl7 reply, a Catch for the tab → hl7 reply, a Complete for hl7 reply. */
    function orderFlow(listener: Record<string, unknown> = {}) {
      const flow = listenerFlow(
        listener,
        ["study"],
        serverDef(sim.port),
        {
          id: "study",
          type: "sante-study-token",
          ...at,
          server: "pacs",
          property: "IPC-3.1,ZDS-1.1",
          propertyType: "hl7",
          output: "token",
          wires: [["reply"]],
        },
        { id: "catcher", type: "catch", ...at, scope: null, uncaught: false, wires: [["reply", "caught"]] },
        helperNode("caught"),
        { id: "done", type: "complete", ...at, scope: ["reply"], uncaught: false, wires: [["completed"]] },
        helperNode("completed"),
      );
      return flow;
    }

    it("answers AA after the lookup, AE with SANTE_NOT_FOUND through a Catch, AR for SANTE_INVALID_INPUT", async () => {
      const { caught, completed } = await load(orderFlow());
      const peer = await connect(await listeningPort());
      peer.write(frame(order("OK1", KNOWN_UID)));
      peer.write(frame(order("NF1", "1.2.3.4.5")));
      peer.write(frame(order("BAD1")));
      const acks = await peer.waitFrames(3);
      assert.deepEqual(acks.map(msa), ["AA OK1", "AE NF1", "AR BAD1"]);
      // v2.3: the error in ERR-1 (ELD) and MSA-3.
      assert.equal(readHl7(acks[1], "ERR-1.4.4"), "SANTE_NOT_FOUND");
      assert.match(readHl7(acks[1], "MSA-3"), /^SANTE_NOT_FOUND: /);
      assert.equal(readHl7(acks[2], "ERR-1.4.4"), "SANTE_INVALID_INPUT");
      assert.deepEqual(caught.map(caughtCode), ["SANTE_NOT_FOUND", "SANTE_INVALID_INPUT"]);
      await until(() => completed.length === 3, "the reply node ending each input");
      await until(() => lastStatus("reply")?.text === "AR SANTE_INVALID_INPUT", "the reply's status");
      assert.equal(lastStatus("reply").fill, "red");
      assert.deepEqual(warnings("reply"), []);
    });

    it("ignores a second reply with a warning, never a catchable error, and ends it once", async () => {
      const { caught, completed } = await load(orderFlow());
      const peer = await connect(await listeningPort());
      peer.write(frame(order("TWICE", KNOWN_UID)));
      await peer.waitFrames(1);
      await until(() => completed.length === 1, "the first reply");
      // The same msg reaches the reply node again (a flow wired twice, a Catch after a success…).
      node("reply").receive(completed[0]);
      await until(() => completed.length === 2, "the second reply");
      await until(() => warnings("reply").length === 1, "the warning");
      assert.match(warnings("reply")[0], /TWICE was already answered/);
      assert.equal(caught.length, 0);
      assert.equal(peer.frames.length, 1);
      await until(() => lastStatus("reply")?.text === "not sent", "the reply's status");
    });

    it("skips quietly a message a durable wait delivers: it was acknowledged when stored", async () => {
      const { caught, completed } = await load(orderFlow());
      const peer = await connect(await listeningPort());
      peer.write(frame(order("STORED", KNOWN_UID)));
      await peer.waitFrames(1);
      await until(() => completed.length === 1, "the first reply");
      // As sante-study-token sends a found study's stored message: with msg.sante.waited, perhaps after a restart.
      const delivered: NodeMessage = {
        ...completed[0],
        sante: { studyInstanceUid: KNOWN_UID, token: "T", waited: 5000, attempts: 3 },
      };
      node("reply").receive(delivered);
      node("reply").receive({ ...delivered, hl7: { ...(delivered.hl7 as object), listenerId: "gone-since" } });
      await until(() => completed.length === 3, "both ended");
      await until(() => lastStatus("reply")?.text === "acknowledged when stored", "the reply's status");
      assert.deepEqual(warnings("reply"), []);
      assert.equal(caught.length, 0);
      assert.equal(peer.frames.length, 1);
    });

    it("answers AE (SANTE_TIMEOUT) when no reply comes in time, warns with MSH-9/MSH-10 only, shows it", async () => {
      // The lookup's output goes to a helper node instead of the reply node: nobody answers.
      const flow = orderFlow({ replyTimeout: "200" }).map((n) =>
        (n as { id: string }).id === "study" ? { ...n, wires: [["out"]] } : n,
      );
      const { outputs } = await load([...flow, helperNode("out")]);
      const port = await listeningPort();
      const peer = await connect(port);
      peer.write(frame(order("SLOW", KNOWN_UID)));
      const [ack] = await peer.waitFrames(1);
      assert.equal(msa(ack), "AE SLOW");
      await until(() => warnings("in").length === 1, "the warning");
      assert.match(
        warnings("in")[0],
        /No hl7 reply within 200 ms for ORM\^O01 SLOW from 127\.0\.0\.1:\d+: answered AE/,
      );
      assert.ok(!warnings("in")[0].includes("DOE"), "patient data in the log");
      await until(() => lastStatus("in")?.fill === "red", "the red status");
      assert.equal(lastStatus("in").text, `SANTE_TIMEOUT · port ${port}, 1 connection`);
      // The late answer is refused; the next AA clears the problem.
      node("reply").receive(outputs[0]);
      await until(() => warnings("reply").length === 1, "the reply's warning");
      assert.match(warnings("reply")[0], /SLOW was already answered/);
      peer.write(frame(order("FAST", KNOWN_UID)));
      await until(() => outputs.length === 2, "the next message");
      node("reply").receive(outputs[1]);
      assert.equal(msa((await peer.waitFrames(2))[1]), "AA FAST");
      await until(() => lastStatus("in")?.fill === "green", "the green status");
      assert.equal(lastStatus("in").text, `port ${port}, 1 connection`);
    });
  });

  it("answers a function node's error, caught, with AE carrying its text", async () => {
    const flow = listenerFlow(
      {},
      ["fn"],
      { id: "fn", type: "function", ...at, func: 'throw new Error("no bed free");', outputs: 1, wires: [["reply"]] },
      { id: "catcher", type: "catch", ...at, scope: null, uncaught: false, wires: [["reply"]] },
    );
    await load(flow, [...OUR_NODES, functionNode]);
    const peer = await connect(await listeningPort());
    peer.write(frame(order("FN1", KNOWN_UID)));
    const [ack] = await peer.waitFrames(1);
    assert.equal(msa(ack), "AE FN1");
    assert.match(readHl7(ack, "ERR-1.4.5"), /no bed free/);
  });

  it("acknowledges on receipt when told to; the reply node then has nothing to do and says so quietly", async () => {
    const { outputs } = await load(listenerFlow({ ackMode: "on-receipt" }, ["out"], helperNode("out")));
    const peer = await connect(await listeningPort());
    peer.write(frame(order("REC1")));
    assert.equal(msa((await peer.waitFrames(1))[0]), "AA REC1");
    await until(() => outputs.length === 1, "the message");
    node("reply").receive(outputs[0]);
    await until(() => lastStatus("reply")?.text === "acknowledged on receipt", "the reply's status");
    assert.deepEqual(warnings("reply"), []);
  });

  it("a redeploy closes the listener: unanswered messages get no ACK, the sender resends to the new one", async () => {
    const flow = listenerFlow({}, ["out"], helperNode("out"));
    const { outputs } = await load(flow);
    const port = await listeningPort();
    const peer = await connect(port);
    peer.write(frame(order("KEEP", KNOWN_UID)));
    await until(() => outputs.length === 1, "the message");
    const old = outputs[0];
    // A fixed port this time, so that the sender finds the new listener where the old one was.
    const fixed = flow.map((n) => ((n as { id: string }).id === "in" ? { ...n, port: String(port) } : n));
    await helper.setFlows(fixed, "full");
    await peer.closed;
    assert.equal(peer.frames.length, 0, "a message the flow had not handled was acknowledged");
    // The answer to the old run's message is refused with a warning.
    node("reply").receive(old);
    await until(() => warnings("reply").length === 1, "the warning");
    assert.match(warnings("reply")[0], /KEEP came to an earlier run of its hl7 in node/);
    // The sender resends; the new listener passes it on and answers it.
    const fresh: NodeMessage[] = [];
    node("out").on("input", (msg) => fresh.push(msg));
    const again = await connect(port);
    again.write(frame(order("KEEP", KNOWN_UID)));
    await until(() => fresh.length === 1, "the resent message");
    node("reply").receive(fresh[0]);
    assert.equal(msa((await again.waitFrames(1))[0]), "AA KEEP");
  });

  it("serves TLS with a core tls-config node, and asks senders for a certificate when it holds a CA", async function () {
    const cert = selfSigned();
    if (!cert) return this.skip();
    const dir = mkdtempSync(join(tmpdir(), "sante-hl7-in-tls-"));
    try {
      writeFileSync(join(dir, "cert.pem"), cert.cert);
      writeFileSync(join(dir, "key.pem"), cert.key);
      const tlsConfig = (ca: string) => ({
        id: "tls1",
        type: "tls-config",
        cert: join(dir, "cert.pem"),
        key: join(dir, "key.pem"),
        ca,
        verifyservercert: true,
      });
      let { outputs } = await load(listenerFlow({ tls: "tls1" }, ["out"], helperNode("out"), tlsConfig("")), [
        ...OUR_NODES,
        tlsNode,
      ]);
      let port = await listeningPort();
      const secure = await connect(port, { tls: { ca: cert.cert, servername: "localhost" } });
      secure.write(frame(order("TLS1")));
      await until(() => outputs.length === 1, "the message");
      assert.deepEqual((outputs[0].hl7 as { peer: unknown }).peer, {
        address: "127.0.0.1",
        port: secure.socket.localPort,
        tls: true,
      });
      node("reply").receive(outputs[0]);
      assert.equal(msa((await secure.waitFrames(1))[0]), "AA TLS1");
      await helper.unload();

      // With a CA: a sender without a certificate signed by it is refused at the handshake.
      ({ outputs } = await load(
        listenerFlow({ tls: "tls1" }, ["out"], helperNode("out"), tlsConfig(join(dir, "cert.pem"))),
        [...OUR_NODES, tlsNode],
      ));
      port = await listeningPort();
      const anonymous = await RawMllpPeer.connect(port, { tls: { ca: cert.cert, servername: "localhost" } }).catch(
        () => undefined,
      );
      if (anonymous) {
        peers.push(anonymous);
        anonymous.write(frame(order("ANON")));
        await anonymous.closed;
      }
      await until(() => warnings("in").some((w) => /TLS handshake failed/.test(w)), "the refusal");
      const withCert = await connect(port, {
        tls: { ca: cert.cert, servername: "localhost", cert: cert.cert, key: cert.key },
      });
      withCert.write(frame(order("MTLS")));
      await until(() => outputs.length === 1, "the message");
      assert.equal(outputs[0].topic, "ORM^O01");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("closes senders not in the allowed list at connect, warns with their address, shows it", async () => {
    const { outputs } = await load(listenerFlow({ allow: "10.9.9.9, 192.168.0.0/16" }, ["out"], helperNode("out")));
    const peer = await connect(await listeningPort());
    peer.write(frame(order("NOPE")));
    await peer.closed;
    await until(() => warnings("in").length === 1, "the warning");
    assert.match(warnings("in")[0], /^Refused a connection from 127\.0\.0\.1:\d+: not in the allowed senders$/);
    await until(() => lastStatus("in")?.fill === "red", "the red status");
    assert.match(lastStatus("in").text ?? "", /^refused 127\.0\.0\.1 · port \d+, 0 connections$/);
    assert.equal(outputs.length, 0);
  });

  it("closes a connection beyond Max connections at once and says so", async () => {
    await load(listenerFlow({ maxConnections: "1" }, ["out"], helperNode("out")));
    const port = await listeningPort();
    await connect(port);
    await until(() => lastStatus("in")?.text === `port ${port}, 1 connection`, "the first connection");
    const second = await connect(port);
    await second.closed;
    await until(() => warnings("in").length === 1, "the warning");
    assert.match(warnings("in")[0], /^Refused a connection from 127\.0\.0\.1:\d+: too many connections$/);
  });

  it("answers AR to input without an MSH and to an oversize message, logging MSH-9/MSH-10 at most", async () => {
    const { outputs } = await load(listenerFlow({ maxMessageBytes: "300" }, ["out"], helperNode("out")));
    const peer = await connect(await listeningPort());
    peer.write(frame("PID|1||P1^^^HOSP^MR||DOE^JANE\r"));
    assert.equal(msa((await peer.waitFrames(1))[0]), "AR ");
    peer.write(frame(order("HUGE", KNOWN_UID) + `OBX|1|TX|||${"x".repeat(400)}\r`));
    assert.equal(msa((await peer.waitFrames(2))[1]), "AR HUGE");
    await peer.closed;
    await until(() => warnings("in").length === 2, "the warnings");
    assert.match(
      warnings("in")[0],
      /Answered AR to a message from 127\.0\.0\.1:\d+ \(MSH-9 \?, MSH-10 \?\): not an HL7/,
    );
    assert.match(warnings("in")[1], /\(MSH-9 ORM\^O01, MSH-10 HUGE\): larger than the max message size/);
    assert.ok(
      warnings("in").every((w) => !w.includes("DOE")),
      "patient data in the log",
    );
    assert.equal(outputs.length, 0);
  });

  it("reports invalid settings and a port in use at deploy, as a red ring with the code", async () => {
    await load(listenerFlow({ allow: "ris.example.org" }, []));
    await until(() => lastStatus("in")?.text === "SANTE_INVALID_INPUT", "the red status");
    assert.match(String(callsBy(node("in").error, "in")[0]?.[0]), /Invalid hl7 in settings: .*ris\.example\.org/);
    await helper.unload();

    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    try {
      await load(listenerFlow({ port: String((taken.address() as net.AddressInfo).port) }, []));
      await until(() => lastStatus("in")?.text === "SANTE_CONNECTION", "the red status");
      assert.match(String(callsBy(node("in").error, "in")[0]?.[0]), /Cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it("warns and ends a msg that names no listener message, or a listener that is gone", async () => {
    await load(listenerFlow({}, []));
    node("reply").receive({ payload: "x" });
    node("reply").receive({ payload: "x", hl7: { listenerId: "nowhere", messageId: "A:1:1", controlId: "C9" } });
    await until(() => warnings("reply").length === 2, "the warnings");
    assert.match(warnings("reply")[0], /msg\.hl7 does not name a message of an hl7 in node/);
    assert.match(warnings("reply")[1], /is not running/);
  });
});

describe("hl7 reply: how a msg's error becomes the answer", () => {
  const answer = (msg: NodeMessage, setting: ErrorAckSetting = "auto") => outcomeOf(msg, setting);

  it("reads msg.santeError first, then a Catch node's msg.error, and a setting that forces AE or AR", () => {
    assert.deepEqual(answer({}), {});
    assert.deepEqual(answer({ santeError: { code: "SANTE_NOT_FOUND", message: "unknown" } }), {
      error: { code: "SANTE_NOT_FOUND", message: "unknown" },
    });
    assert.deepEqual(answer({ error: { message: "no bed free", source: { id: "fn" } } }), {
      error: { code: "", message: "no bed free" },
    });
    assert.deepEqual(answer({ error: "plain text" }), { error: { code: "", message: "plain text" } });
    assert.deepEqual(answer({ error: { code: "ECONNRESET", message: "reset" } }, "AR"), {
      error: { code: "ECONNRESET", message: "reset" },
      errorAck: "AR",
    });
  });

  it("ignores a SANTE_* code left in msg.error once our node has succeeded on a retry (no msg.santeError)", () => {
    assert.deepEqual(answer({ error: { code: "SANTE_TIMEOUT", message: "slow PACS" } }), {});
    assert.deepEqual(
      answer({ error: { code: "SANTE_TIMEOUT", message: "x" }, santeError: { code: "SANTE_TIMEOUT", message: "x" } }),
      { error: { code: "SANTE_TIMEOUT", message: "x" } },
    );
  });

  it("finds the message to answer in msg.hl7 only when both ids are strings", () => {
    assert.deepEqual(replyTarget({ hl7: { listenerId: "in", messageId: "R:1:1" } }), {
      listenerId: "in",
      messageId: "R:1:1",
    });
    for (const hl7 of [undefined, "x", { listenerId: "in" }, { listenerId: 1, messageId: "R:1:1" }]) {
      assert.equal(replyTarget({ hl7 }), undefined);
    }
  });
});
