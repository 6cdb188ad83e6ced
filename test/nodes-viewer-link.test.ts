import { strict as assert } from "node:assert";
import { startSimulator, type RunningSimulator } from "../lib/simulator";
import { flowWith, Outcomes, serverDef, TAB, until } from "./helpers/nr-flows";
import { callsBy, helper, node, OUR_NODES } from "./helpers/nr-helper";

const DOC_TOKEN = "rXplcx6FHk9KlrZs18j1p77rGy881TAOmsjAyLwSW3gRauyKNGwrVvhagXaK69Gs";
const EXE = "C:\\Program Files\\Santesoft\\Sante DICOM Web Viewer\\Sante DICOM Web Viewer.exe";
const LINK = { type: "sante-viewer-link", linkText: "Open this study", viewerPath: EXE };

describe("sante-viewer-link in a Node-RED runtime", () => {
  afterEach(() => helper.unload());

  async function start(server: Record<string, unknown>, n1: Record<string, unknown> = {}): Promise<Outcomes> {
    await helper.load(OUR_NODES, flowWith({ ...LINK, ...n1 }, serverDef(2575, server)));
    return new Outcomes();
  }

  it("gives the vendor document's three link forms for mycompany.com:3000 with ssl", async () => {
    const o = await start({ host: "pacs.internal", webHost: "mycompany.com", webPort: "3000", ssl: true });
    await o.send({ payload: DOC_TOKEN, topic: "keep" });
    const url = `sante://download?url=mycompany.com:3000&ssl=yes&token=${DOC_TOKEN}`;
    assert.equal(o.outputs[0].payload, url);
    assert.equal(o.outputs[0].html, `<a href="${url.replace(/&/g, "&amp;")}">Open this study</a>`);
    assert.equal(o.outputs[0].command, `"${EXE}" "${url}"`);
    assert.equal(o.outputs[0].topic, "keep");
  });

  it("uses the HL7 host when the web host is empty, and ssl=no", async () => {
    const o = await start({ host: "192.168.1.2", webHost: "", webPort: 3000, ssl: false });
    await o.send({ payload: DOC_TOKEN });
    assert.equal(o.outputs[0].payload, `sante://download?url=192.168.1.2:3000&ssl=no&token=${DOC_TOKEN}`);
  });

  it("shows the result of a message it handles at once, with no 'waiting' flash before it", async () => {
    const o = await start({ host: "127.0.0.1" });
    await o.send({ payload: DOC_TOKEN });
    await until(() => o.statuses.length > 0, "a status");
    await new Promise((resolve) => setTimeout(resolve, 250));
    assert.deepEqual(o.statuses, [{ fill: "green", shape: "dot", text: "1 link" }]);
  });

  it("takes a { studyInstanceUid, token } object", async () => {
    const o = await start({ host: "127.0.0.1" });
    await o.send({ payload: { studyInstanceUid: "1.2.3", token: DOC_TOKEN } });
    assert.equal(o.outputs[0].payload, `sante://download?url=127.0.0.1:3000&ssl=no&token=${DOC_TOKEN}`);
  });

  it("turns an array of studies into the same objects with url, a list of links, and one command each", async () => {
    const o = await start({ host: "127.0.0.1" });
    const studies = [
      { studyInstanceUid: "1.2.3", token: "AAA", extra: 1 },
      { studyInstanceUid: "1.2.4", token: "BBB" },
    ];
    await o.send({ payload: studies });
    const url = (t: string) => `sante://download?url=127.0.0.1:3000&ssl=no&token=${t}`;
    assert.deepEqual(o.outputs[0].payload, [
      { ...studies[0], url: url("AAA") },
      { ...studies[1], url: url("BBB") },
    ]);
    const href = (t: string) => url(t).replace(/&/g, "&amp;");
    assert.equal(
      o.outputs[0].html,
      `<ul><li><a href="${href("AAA")}">Open this study</a> <span class="sante-study-uid">1.2.3</span></li>` +
        `<li><a href="${href("BBB")}">Open this study</a> <span class="sante-study-uid">1.2.4</span></li></ul>`,
    );
    assert.deepEqual(o.outputs[0].command, [`"${EXE}" "${url("AAA")}"`, `"${EXE}" "${url("BBB")}"`]);
    await until(() => o.statuses.at(-1)?.text === "2 links", "2 links");
  });

  it("escapes the link text and percent-encodes a token, so nothing breaks out of the attribute", async () => {
    const o = await start({ host: "127.0.0.1" }, { linkText: `<b>"x" & 'y'</b>` });
    await o.send({ payload: `a"><script>alert(1)</script>` });
    const html = o.outputs[0].html as string;
    assert.ok(!html.includes("<script>"), html);
    assert.ok(!html.includes("<b>"), html);
    assert.match(html, /^<a href="[^"<>]*">&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;\/b&gt;<\/a>$/);
    assert.match(o.outputs[0].payload as string, /token=a%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E$/);
  });

  it("rejects input that is no token as SANTE_INVALID_INPUT", async () => {
    const o = await start({ host: "127.0.0.1" });
    for (const payload of [42, { studyInstanceUid: "1.2.3" }, ["ok", { token: 5 }], "", null]) {
      await o.send({ payload });
      assert.equal(o.lastCode(), "SANTE_INVALID_INPUT", JSON.stringify(payload));
      assert.equal((o.errors.at(-1)?.santeError as { code?: string }).code, "SANTE_INVALID_INPUT");
    }
    assert.equal(o.outputs.length, 0);
    await until(() => o.statuses.at(-1)?.fill === "red", "the red status");
    assert.deepEqual(o.statuses.at(-1), { fill: "red", shape: "ring", text: "SANTE_INVALID_INPUT" });
  });

  it("fails each message with SANTE_INVALID_INPUT when the server's web settings are invalid", async () => {
    const o = await start({ host: "127.0.0.1", webPort: "0" });
    assert.deepEqual(callsBy(node("n1").status, "n1").at(-1)?.[0], {
      fill: "red",
      shape: "ring",
      text: "SANTE_INVALID_INPUT",
    });
    await o.send({ payload: DOC_TOKEN });
    assert.equal(o.lastCode(), "SANTE_INVALID_INPUT");
    assert.match((o.errors[0].error as { message: string }).message, /port/i);
  });

  describe("after sante-study-token, as in the vendor document", () => {
    let sim: RunningSimulator;
    before(async () => {
      sim = await startSimulator({ port: 0 });
    });
    after(() => sim.close());

    it("turns the document's Study UID into the document's token and link", async () => {
      const uid = "1.2.826.0.1.3748527.1.4.2.0.20181120.185921.384642";
      const token = "JH89ZQBkySrgt9f38OYic5wyC8YVO41pLPNesa5shYnmsl1DOXVF9eNK5SVwlg6";
      const flow = flowWith({ ...LINK }, serverDef(sim.port, { webHost: "127.0.0.1" }), {
        id: "study",
        type: "sante-study-token",
        z: TAB,
        x: 1,
        y: 1,
        server: "pacs",
        property: "payload",
        propertyType: "msg",
        output: "payload",
        wires: [["n1"]],
      });
      await helper.load(OUR_NODES, flow);
      const o = new Outcomes();
      helper.getNode("study")?.receive({ payload: uid });
      await until(() => o.outputs.length === 1, "the link");
      assert.equal(o.outputs[0].payload, `sante://download?url=127.0.0.1:3000&ssl=no&token=${token}`);
      assert.deepEqual(o.outputs[0].sante, { studyInstanceUid: uid, token, cached: false });
    });
  });
});
