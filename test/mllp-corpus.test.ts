import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { MllpClient, MllpServer, SanteError } from "../lib/api";
import { readHl7 } from "../lib/hl7";
import { assertNoLeaks, resourceCounts } from "./helpers/handles";
import { locateHl7Corpus, missingCorpusMessage } from "../scripts/hl7-corpus";

describe("MLLP transport with the shared HL7 corpus", function () {
  this.timeout(30000);

  it("carries every corpus message byte for byte and matches each ACK to the message's MSH-10", async function () {
    const dir = locateHl7Corpus();
    if (dir === undefined) {
      console.warn(`!! SKIPPING THE MLLP CORPUS TEST: ${missingCorpusMessage()}`);
      return this.skip();
    }
    const CORPUS = join(dir, "corpus");
    await new Promise((resolve) => setImmediate(resolve));
    const before = resourceCounts();
    const files = readdirSync(CORPUS).sort();
    const received = new Map<string, Buffer>();
    const listener = new MllpServer({ port: 0, host: "127.0.0.1" });
    listener.on("message", (m) => {
      const id = readHl7(m.bytes, "MSH-10");
      received.set(id, m.bytes);
      m.reply(`MSH|^~\\&|RCV|X|SND|Y|20240101||ACK|A${files.length}|P|2.5\rMSA|AA|${id}\r`);
    });
    const { port } = await listener.listen();
    const client = new MllpClient({ port });
    let sent = 0;
    const withoutControlId: string[] = [];
    try {
      for (const file of files) {
        const bytes = readFileSync(join(CORPUS, file));
        let id: string;
        try {
          id = readHl7(bytes, "MSH-10");
        } catch {
          // No MSH-10 (or not HL7 to our reader): the sender must refuse it before sending.
          const err = await client.send(bytes).catch((e: unknown) => e);
          assert.ok(err instanceof SanteError && err.code === "SANTE_INVALID_INPUT", file);
          withoutControlId.push(file);
          continue;
        }
        const ack = await client.send(bytes);
        assert.equal(ack.controlId, id, file);
        // Several corpus messages share a control ID; the latest one received is this one.
        assert.deepEqual(received.get(id), bytes, `${file} changed on the way`);
        sent++;
      }
    } finally {
      await client.close();
      await listener.close();
    }
    assert.ok(sent >= 280, `only ${sent} of ${files.length} sent (${withoutControlId.join(", ")})`);
    await assertNoLeaks(before);
  });
});
