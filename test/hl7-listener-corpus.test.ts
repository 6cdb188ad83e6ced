import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  applicationAck,
  Hl7Listener,
  readHl7,
  readHl7Header,
  receiptPlan,
  rejectAck,
  type AckCode,
  type Hl7Header,
} from "../lib/api";
import { assertNoLeaks, resourceCounts } from "./helpers/handles";
import { frame, RawMllpPeer } from "./helpers/mllp-peer";
import { locateHl7Corpus, missingCorpusMessage } from "../scripts/hl7-corpus";

/** The acknowledgements a message answered AA by the flow gets, in order (two in enhanced mode: CA, then AA). */
function expectedAcks(bytes: Buffer): AckCode[] {
  let header: Hl7Header;
  try {
    header = readHl7Header(bytes);
  } catch {
    return ["AR"];
  }
  if (header.controlId === "" || header.messageType === "") return [rejectAck(header)].filter((c) => c !== undefined);
  return [...receiptPlan(header, "after-handling").now, applicationAck(header, {})].filter((c) => c !== undefined);
}

/** A value of an HL7 message, "" where there is none. */
function value(message: string | Buffer, path: string): string {
  try {
    return readHl7(message, path);
  } catch {
    return "";
  }
}

describe("Hl7Listener with the shared HL7 corpus", function () {
  this.timeout(30000);

  it("answers every corpus message with a well-formed ACK whose MSA-2 is the message's MSH-10", async function () {
    const dir = locateHl7Corpus();
    if (dir === undefined) {
      console.warn(`!! SKIPPING THE HL7 LISTENER CORPUS TEST: ${missingCorpusMessage()}`);
      return this.skip();
    }
    await new Promise((resolve) => setImmediate(resolve));
    const before = resourceCounts();
    const corpus = join(dir, "corpus");
    const messages = readdirSync(corpus)
      .sort()
      .map((file) => ({ file, bytes: readFileSync(join(corpus, file)) }));
    const listener = new Hl7Listener({ port: 0, host: "127.0.0.1" });
    let handedUp = 0;
    let resends = 0;
    listener.on("message", (m) => {
      handedUp++;
      listener.reply(m.id);
    });
    listener.on("duplicate", () => resends++);
    let rejected = 0;
    listener.on("rejected", () => rejected++);
    const { port } = await listener.listen();
    const peer = await RawMllpPeer.connect(port);
    try {
      peer.write(Buffer.concat(messages.map((m) => frame(m.bytes.toString("utf8")))));
      const expected = messages.map((m) => expectedAcks(m.bytes));
      const acks = await peer.waitFrames(
        expected.reduce((n, codes) => n + codes.length, 0),
        20000,
      );
      let enhanced = 0;
      let silent = 0;
      let next = 0;
      messages.forEach(({ file, bytes }, k) => {
        const mine = acks.slice(next, next + expected[k].length);
        next += expected[k].length;
        assert.deepEqual(
          mine.map((ack) => value(ack, "MSA-1")),
          expected[k],
          file,
        );
        for (const ack of mine) {
          assert.equal(readHl7Header(ack).messageType, "ACK", file);
          const errorAck = !["AA", "CA"].includes(value(ack, "MSA-1"));
          assert.deepEqual(
            ack
              .split("\r")
              .filter(Boolean)
              .map((segment) => segment.slice(0, 3)),
            errorAck ? ["MSH", "MSA", "ERR"] : ["MSH", "MSA"],
            file,
          );
          assert.equal(value(ack, "MSA-2"), value(bytes, "MSH-10"), file);
        }
        if (expected[k].length > 1) enhanced++;
        if (expected[k].length === 0) silent++;
      });
      console.log(
        `      ${messages.length} corpus messages: ${handedUp} passed on and answered, ${resends} answered ` +
          `again as resends, ${rejected} refused before the flow; ${enhanced} got a CA and then the application ACK (enhanced ` +
          `mode), ${silent} asked for no ACK at all`,
      );
      assert.equal(handedUp + resends + rejected, messages.length);
      // Many corpus messages share a sender (MSH-3, MSH-4) and a control ID (test data's MSG00001…): a listener
      // keyed on those alone would acknowledge them unread. Only the same message again is a resend.
      const sameId = new Map<string, number>();
      for (const { bytes } of messages) {
        const id = ["MSH-3", "MSH-4", "MSH-10"].map((path) => value(bytes, path)).join("|");
        sameId.set(id, (sameId.get(id) ?? 0) + 1);
      }
      const sharing = [...sameId.values()].filter((n) => n > 1).reduce((a, b) => a + b, 0);
      const identical = messages.filter((m, k) => messages.slice(0, k).some((e) => e.bytes.equals(m.bytes))).length;
      assert.ok(sharing > 100, `${sharing} messages share a sender and control ID`);
      assert.equal(resends, identical);
    } finally {
      peer.destroy();
      await listener.close();
    }
    await assertNoLeaks(before);
  });
});
