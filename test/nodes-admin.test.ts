import { strict as assert } from "node:assert";
import { startSimulator, type RunningSimulator } from "../lib/simulator";
import { freePort } from "./helpers/fault-server";
import { assertNoLeaks, resourceCounts } from "./helpers/handles";
import { TAB } from "./helpers/nr-flows";
import { helper, OUR_NODES } from "./helpers/nr-helper";

const SEED_UID = "1.2.826.0.1.3748527.1.4.2.0.20181120.185921.384642";
const SEED_TOKEN = "JH89ZQBkySrgt9f38OYic5wyC8YVO41pLPNesa5shYnmsl1DOXVF9eNK5SVwlg6";
const PATH = "/sante-pacs-server/test";

describe("the config node's Test connection endpoint", () => {
  let sim: RunningSimulator;
  let baseline: Map<string, number>;

  before(async () => {
    sim = await startSimulator({ port: 0 });
    await new Promise((resolve) => setImmediate(resolve));
    baseline = resourceCounts();
  });
  after(() => sim.close());
  // The endpoint exists once the node module is registered; no node needs to be deployed.
  beforeEach(() => helper.load(OUR_NODES, [{ id: TAB, type: "tab" }]));
  afterEach(() => helper.unload());

  function post(body: unknown) {
    return helper.request().post(PATH).send(body);
  }

  it("reports a found study with only the first characters of its token, and closes its client", async () => {
    const res = await post({ host: "127.0.0.1", port: String(sim.port), timeout: "2000", studyInstanceUid: SEED_UID });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body as object).sort(), ["message", "ok", "tokenPreview"]);
    assert.equal((res.body as { ok: boolean }).ok, true);
    assert.equal((res.body as { tokenPreview: string }).tokenPreview, "JH89…");
    assert.ok(!res.text.includes(SEED_TOKEN.slice(0, 10)), "no more of the token than the preview");
    await assertNoLeaks(baseline);
  });

  it("resolves ${ENV} and $(ENV) fields from the environment, as a deployed node would", async () => {
    process.env.SANTE_TEST_HOST = "127.0.0.1";
    process.env.SANTE_TEST_PORT = String(sim.port);
    try {
      const body = { host: "${SANTE_TEST_HOST}", port: "$(SANTE_TEST_PORT)", studyInstanceUid: SEED_UID };
      const res = await post(body);
      assert.equal((res.body as { ok: boolean }).ok, true, res.text);
    } finally {
      delete process.env.SANTE_TEST_HOST;
      delete process.env.SANTE_TEST_PORT;
    }
  });

  it("asks the PACS every time (no cache) and reports an unknown study as SANTE_NOT_FOUND", async () => {
    const before = sim.requests;
    await post({ host: "127.0.0.1", port: sim.port, studyInstanceUid: SEED_UID });
    const res = await post({ host: "127.0.0.1", port: sim.port, keepAlive: true, studyInstanceUid: "1.2.3.4" });
    assert.equal(sim.requests, before + 2);
    assert.equal(res.status, 200);
    assert.deepEqual(
      { ok: (res.body as { ok: boolean }).ok, code: (res.body as { code: string }).code },
      { ok: false, code: "SANTE_NOT_FOUND" },
    );
  });

  it("reports a port nothing listens on as SANTE_CONNECTION", async () => {
    const res = await post({ host: "127.0.0.1", port: await freePort(), studyInstanceUid: SEED_UID });
    assert.equal(res.status, 200);
    assert.equal((res.body as { code: string }).code, "SANTE_CONNECTION");
  });

  for (const [what, body] of [
    ["no body fields", {}],
    ["a bad UID", { host: "127.0.0.1", port: "2575", studyInstanceUid: "1.2..3" }],
    ["a port out of range", { host: "127.0.0.1", port: "70000", studyInstanceUid: SEED_UID }],
    ["a port that is no number", { host: "127.0.0.1", port: "http", studyInstanceUid: SEED_UID }],
    ["a timeout of 0", { host: "127.0.0.1", port: "2575", timeout: "0", studyInstanceUid: SEED_UID }],
    ["a host that is no text", { host: ["127.0.0.1"], port: "2575", studyInstanceUid: SEED_UID }],
    [
      "keepAlive that is no boolean",
      { host: "127.0.0.1", port: "2575", keepAlive: "maybe", studyInstanceUid: SEED_UID },
    ],
    ["a TLS node that is not deployed", { host: "127.0.0.1", port: "2575", tls: "abc123", studyInstanceUid: SEED_UID }],
    ["an array body", [1, 2]],
  ] as const) {
    it(`answers 400 SANTE_INVALID_INPUT for ${what}, without connecting`, async () => {
      const before = sim.requests;
      const res = await post(body);
      assert.equal(res.status, 400);
      assert.equal((res.body as { ok: boolean }).ok, false);
      assert.equal((res.body as { code: string }).code, "SANTE_INVALID_INPUT");
      assert.equal(typeof (res.body as { message: unknown }).message, "string");
      assert.equal(sim.requests, before);
    });
  }
});
