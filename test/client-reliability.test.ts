import { strict as assert } from "node:assert";
import * as net from "node:net";
import { SanteClient, SanteError, type TokenStore } from "../lib/sante";
import { freePort, startFaultServer, type FaultServer } from "./helpers/fault-server";
import { leakCheckEach } from "./helpers/handles";

const UID = "1.2.826.0.1.3748527.1.4.2.0.20181120.185921.384642";

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "ok";
  } catch (err) {
    assert.ok(err instanceof SanteError, String(err));
    return err.code;
  }
}

describe("SanteClient reliability: cache, coalescing, retries, breaker", () => {
  let server: FaultServer | undefined;
  let client: SanteClient | undefined;
  const asked: string[] = [];

  beforeEach(() => (asked.length = 0));

  leakCheckEach(async () => {
    await client?.close();
    await server?.close();
    client = server = undefined;
  });

  /** A PACS that answers every study with a token made from its UID, and patients with two studies. */
  async function pacs(delayMs = 0): Promise<number> {
    server = await startFaultServer((s, request) => {
      asked.push(request);
      const reply = request.startsWith("P")
        ? `\x10${request}.1\rTOK-${request}-1\r${request}.2\rTOK-${request}-2\r\r`
        : `\x10TOK-${request}\r`;
      setTimeout(() => s.write(reply), delayMs);
    });
    return server.port;
  }

  it("asks the PACS once for a study and answers repeats from the cache", async () => {
    client = new SanteClient({ port: await pacs() });
    assert.deepEqual(await client.lookupStudy(UID), { studyInstanceUid: UID, token: `TOK-${UID}`, cached: false });
    assert.deepEqual(await client.lookupStudy(UID), { studyInstanceUid: UID, token: `TOK-${UID}`, cached: true });
    assert.deepEqual(asked, [UID]);
  });

  it("does not cache an unknown study: once the study has arrived, the PACS's token comes through", async () => {
    let arrived = false;
    server = await startFaultServer((s, request) => {
      asked.push(request);
      s.write(arrived ? `\x10TOK-${request}\r` : "\x10\r");
    });
    client = new SanteClient({ port: server.port });
    assert.equal(await codeOf(client.studyToken(UID)), "SANTE_NOT_FOUND");
    assert.equal(await codeOf(client.studyToken(UID)), "SANTE_NOT_FOUND");
    arrived = true;
    assert.deepEqual(await client.lookupStudy(UID), { studyInstanceUid: UID, token: `TOK-${UID}`, cached: false });
    assert.equal(asked.length, 3);
  });

  it("shares one request among identical study lookups in flight", async () => {
    client = new SanteClient({ port: await pacs(30), cacheSize: 0 });
    const tokens = await Promise.all(Array.from({ length: 20 }, () => client!.studyToken(UID)));
    assert.ok(tokens.every((t) => t === `TOK-${UID}`));
    assert.deepEqual(asked, [UID]);
  });

  it("with the cache off, asks every time", async () => {
    client = new SanteClient({ port: await pacs(), cacheSize: 0 });
    await client.studyToken(UID);
    assert.equal((await client.lookupStudy(UID)).cached, false);
    assert.equal(asked.length, 2);
  });

  it("learns study tokens from a patient's list; patient lists are asked for every time by default", async () => {
    client = new SanteClient({ port: await pacs() });
    const first = await client.lookupPatient("P1");
    assert.equal(first.cached, false);
    assert.deepEqual(
      first.studies.map((s) => s.token),
      ["TOK-P1-1", "TOK-P1-2"],
    );
    assert.deepEqual(await client.lookupStudy("1.2.3"), {
      studyInstanceUid: "1.2.3",
      token: "TOK-1.2.3",
      cached: false,
    });
    assert.equal((await client.lookupPatient("P1")).cached, false);
    assert.deepEqual(asked, ["P1", "1.2.3", "P1"]);
    // P1's studies are "P1.1" and "P1.2": not UIDs, but the cache holds whatever the PACS said.
  });

  it("reuses a patient's list for patientCacheSeconds when asked to, then asks again", async () => {
    client = new SanteClient({ port: await pacs(), patientCacheSeconds: 1 });
    await client.lookupPatient("P2");
    const again = await client.lookupPatient("P2");
    assert.equal(again.cached, true);
    assert.equal(again.studies.length, 2);
    assert.deepEqual(asked, ["P2"]);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.equal((await client.lookupPatient("P2")).cached, false);
    assert.deepEqual(asked, ["P2", "P2"]);
  });

  it("hands out copies of a kept patient list: changing one changes no later answer", async () => {
    client = new SanteClient({ port: await pacs(), patientCacheSeconds: 60 });
    const first = await client.lookupPatient("P4");
    const expected = structuredClone(first.studies);
    first.studies[0].token = "CHANGED";
    first.studies.pop();
    const second = await client.lookupPatient("P4");
    assert.equal(second.cached, true);
    assert.deepEqual(second.studies, expected);
    second.studies[1].token = "CHANGED";
    second.studies.push({ studyInstanceUid: "9.9", token: "X" });
    assert.deepEqual((await client.lookupPatient("P4")).studies, expected);
  });

  it("keeps tokens in a store given to it", async () => {
    const kept = new Map<string, string>([["9.9.9", "FROM-STORE"]]);
    const store: TokenStore = {
      get: (uid) => Promise.resolve(kept.get(uid)),
      set: (uid, token) => {
        kept.set(uid, token);
        return Promise.resolve();
      },
    };
    client = new SanteClient({ port: await pacs(), tokenStore: store });
    assert.deepEqual(await client.lookupStudy("9.9.9"), {
      studyInstanceUid: "9.9.9",
      token: "FROM-STORE",
      cached: true,
    });
    await client.studyToken("1.2.4");
    assert.equal(kept.get("1.2.4"), "TOK-1.2.4");
    assert.deepEqual(asked, ["1.2.4"]);
  });

  it("treats a failing store as a miss: the PACS's answer still comes through", async () => {
    const throwing: TokenStore = {
      get: () => {
        throw new Error("disk full");
      },
      set: () => {
        throw new Error("disk full");
      },
    };
    const rejecting: TokenStore = {
      get: () => Promise.reject(new Error("redis down")),
      set: () => Promise.reject(new Error("redis down")),
    };
    const port = await pacs();
    for (const tokenStore of [throwing, rejecting]) {
      const c = new SanteClient({ port, tokenStore });
      try {
        assert.equal(await c.studyToken("1.2.5"), "TOK-1.2.5");
        assert.equal((await c.lookupPatient("P3")).studies.length, 2);
      } finally {
        await c.close();
      }
    }
    assert.deepEqual(asked, ["1.2.5", "P3", "1.2.5", "P3"]);
  });

  it("retries a refused connection and succeeds once the PACS is back", async () => {
    const port = await freePort();
    client = new SanteClient({ port, retries: 2 });
    const pending = client.studyToken(UID);
    // The first attempt is refused; the PACS comes up during the backoff.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const restarted = net.createServer((socket) => {
      socket.on("data", () => socket.end(`\x10TOK-AFTER-RESTART\r`));
    });
    await new Promise<void>((resolve) => restarted.listen(port, "127.0.0.1", resolve));
    try {
      assert.equal(await pending, "TOK-AFTER-RESTART");
    } finally {
      await new Promise((resolve) => restarted.close(resolve));
    }
  });

  it("gives each attempt a timeout of its own: the pause before a retry does not count", async () => {
    let attempts = 0;
    server = await startFaultServer((s, r) => {
      asked.push(r);
      // The first attempt is dropped after 120 ms, and the retry follows a pause of 50–100 ms: past 150 ms in all.
      if (++attempts === 1) setTimeout(() => s.destroy(), 120);
      else s.write("\x10TOK-RETRIED\r");
    });
    client = new SanteClient({ port: server.port, retries: 1, timeout: 150 });
    assert.equal(await client.studyToken(UID), "TOK-RETRIED");
    assert.equal(asked.length, 2);
  });

  it("gives up after `retries` with the connection error", async () => {
    const port = await freePort();
    client = new SanteClient({ port, retries: 1, breakerThreshold: 0 });
    assert.equal(await codeOf(client.studyToken(UID)), "SANTE_CONNECTION");
  });

  it("does not retry a timeout", async () => {
    client = new SanteClient({ port: (server = await startFaultServer((_s, r) => asked.push(r))).port, timeout: 100 });
    assert.equal(await codeOf(client.studyToken(UID)), "SANTE_TIMEOUT");
    assert.equal(asked.length, 1);
  });

  it("does not retry a bad reply: the PACS would answer the same again", async () => {
    server = await startFaultServer((s, r) => {
      asked.push(r);
      s.write("garbage\r");
    });
    client = new SanteClient({ port: server.port, retries: 2 });
    assert.equal(await codeOf(client.studyToken(UID)), "SANTE_PROTOCOL");
    assert.equal(asked.length, 1);
  });

  it("opens the breaker after failed connects, fails fast, then lets one probe through", async () => {
    const port = await freePort();
    client = new SanteClient({ port, retries: 0, breakerThreshold: 3, breakerCooldown: 150 });
    for (let i = 0; i < 3; i++) assert.equal(await codeOf(client.studyToken(`1.${i}`)), "SANTE_CONNECTION");
    assert.equal(client.unreachable, true);
    let err: unknown;
    await client.studyToken("1.9").catch((e: unknown) => (err = e));
    assert.match((err as Error).message, /could not be reached 3 times in a row; not trying again for 1 s/);
    // After the cool-down, a probe goes through to a PACS that is back.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const back = net.createServer((socket) => socket.on("data", () => socket.end("\x10BACK\r")));
    await new Promise<void>((resolve) => back.listen(port, "127.0.0.1", resolve));
    try {
      assert.equal(await client.studyToken("1.10"), "BACK");
      assert.equal(client.unreachable, false);
    } finally {
      await new Promise((resolve) => back.close(resolve));
    }
  });

  it("counts only failed connects in a row: a lookup that connects starts the count again", async () => {
    const port = await freePort();
    client = new SanteClient({ port, retries: 0, breakerThreshold: 2, breakerCooldown: 60000, cacheSize: 0 });
    assert.equal(await codeOf(client.studyToken("1.1")), "SANTE_CONNECTION");
    const up = net.createServer((socket) => socket.on("data", () => socket.end("\x10UP\r")));
    await new Promise<void>((resolve) => up.listen(port, "127.0.0.1", resolve));
    assert.equal(await client.studyToken("1.2"), "UP");
    await new Promise((resolve) => up.close(resolve));
    assert.equal(await codeOf(client.studyToken("1.3")), "SANTE_CONNECTION");
    assert.equal(client.unreachable, false, "one failed connect since the last success, not two");
  });

  it("after the cool-down lets one probe through; lookups meanwhile wait for it and fail fast when it fails", async () => {
    const port = await freePort();
    client = new SanteClient({ port, retries: 0, breakerThreshold: 1, breakerCooldown: 100 });
    assert.equal(await codeOf(client.studyToken("1.1")), "SANTE_CONNECTION");
    assert.equal(client.unreachable, true);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const messages = await Promise.all(
      ["1.2", "1.3", "1.4"].map((uid) => client!.studyToken(uid).catch((err: Error) => err.message)),
    );
    assert.equal(messages.filter((m) => /^Could not connect/.test(m)).length, 1, messages.join("\n"));
    assert.equal(
      messages.filter((m) => /could not be reached 1 times in a row/.test(m)).length,
      2,
      messages.join("\n"),
    );
  });

  it("does not count a dropped connection or a bad reply toward the breaker", async () => {
    let n = 0;
    server = await startFaultServer((s) => (++n % 2 ? s.destroy() : s.write("garbage")));
    // A threshold of 1: each attempt connects (which resets the count) before it fails, so only a breaker that
    // counted this one failure would open.
    client = new SanteClient({ port: server.port, retries: 0, breakerThreshold: 1 });
    for (let i = 0; i < 6; i++) await codeOf(client.studyToken(`1.${i}`));
    assert.equal(client.unreachable, false);
    assert.equal(n, 6);
  });
});
