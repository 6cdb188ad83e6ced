/**
 * The demo in a real browser (Debian's Chromium through playwright-core): the
 * editor with our nodes, their dialogs and help in the six languages, example
 * 01's orders reaching the HIS page, and example 02's patient page, including
 * the error page when the PACS is gone. The test runs its own simulator (the
 * demo's is switched off) so that it can make it learn a study, and stop it.
 *
 * Screenshots go to test-results/; with SANTE_UPDATE_SCREENSHOTS=1 they
 * replace docs/editor.png, docs/his-page.png and docs/patient-page.png, which
 * the README shows.
 */
import { strict as assert } from "node:assert";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { sendMllp, toHl7Segments } from "../demo/mllp-client";
import { startSimulator, type RunningSimulator } from "../lib/simulator";
import { launchChromium, requireChromium } from "./helpers/browser-chromium";
import { PROJECT_ROOT, spawnDemo, type DemoProcess } from "./helpers/browser-demo";
import {
  cancelTray,
  catalogLabel,
  editConfigNode,
  editNode,
  firstHelpParagraph,
  looksLikeMessageKey,
  openEditor,
  openEditorIn,
  paletteLabel,
  showHelp,
  trayTexts,
  waitForStatus,
} from "./helpers/browser-editor";
import { EXAMPLE_PATIENT_ID, EXAMPLE_STUDIES, linkFor, SEED_STUDY } from "./helpers/browser-vendor-data";
import { deriveToken } from "../lib/simulator/tokens";
import { NODE_RED_VERSION } from "./helpers/nr-runtime";

const UPDATE_SCREENSHOTS = process.env.SANTE_UPDATE_SCREENSHOTS === "1";
const SCREENSHOT_DIR = join(PROJECT_ROOT, UPDATE_SCREENSHOTS ? "docs" : "test-results");

/** A node of each of our flow node types in the demo's flows, and a field its dialog must have. */
const DIALOGS = [
  { type: "sante-study-token", id: "sante-ex1-study", field: "#node-input-server" },
  { type: "sante-patient-tokens", id: "sante-ex2-tokens", field: "#node-input-server" },
  { type: "sante-viewer-link", id: "sante-ex1-link", field: "#node-input-server" },
  { type: "sante-hl7-in", id: "sante-ex1-in", field: "#node-input-port" },
  { type: "sante-hl7-reply", id: "sante-ex1-reply", field: "#node-input-errorAck" },
  { type: "sante-hl7-send", id: "sante-ex1-send", field: "#node-input-endpoint" },
  { type: "sante-hl7-result", id: "sante-ex1-result", field: "#node-input-shape" },
] as const;
const CONFIG_TYPES = ["sante-pacs-server", "sante-hl7-endpoint"] as const;
const ALL_TYPES = [...CONFIG_TYPES, ...DIALOGS.map((d) => d.type)];
/** Node-RED's editor languages that our catalogs cover besides en-US. */
const OTHER_LANGUAGES = ["de", "es-ES", "fr", "ja", "zh-CN"];

const sample = (name: string) => toHl7Segments(readFileSync(join(PROJECT_ROOT, "examples", "data", name), "utf8"));
/** The order whose study the test's simulator learns while the demo runs. */
const LATER = { patientId: "PAT000042", studyInstanceUid: "1.2.826.0.1.3748527.1.4.2.0.20240115.110000.424242" };

describe("browser helpers", function () {
  it("looksLikeMessageKey catches the raw keys of every node type, alone or in a text, and not real labels", function () {
    for (const type of ALL_TYPES) {
      assert.ok(looksLikeMessageKey(`${type}.label.node`), type);
      assert.ok(looksLikeMessageKey(`Open ${type}.label.node now`), type);
    }
    for (const text of ["hl7 in", "HL7 senden", "study token", "Demo HIS (simulated)", "127.0.0.1:2578"]) {
      assert.ok(!looksLikeMessageKey(text), text);
    }
  });
});

describe(`browser: the demo's editor, HIS page and patient page (Node-RED ${NODE_RED_VERSION})`, function () {
  // Chromium and Node-RED start in a few seconds here; the limit only stops a hang.
  this.timeout(120_000);
  let sim: RunningSimulator | undefined;
  let demo: DemoProcess | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let editor: Page;
  const pageErrors: string[] = [];

  before(async function () {
    requireChromium(this);
    sim = await startSimulator({ host: "127.0.0.1", port: 0 });
    // The docs' screenshots show the MLLP ports a user will see (2576, 2578); test runs take free ports.
    demo = await spawnDemo({ simulator: false, pacsPort: sim.port, examplePorts: UPDATE_SCREENSHOTS });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1680, height: 600 } });
    editor = await context.newPage();
    editor.on("pageerror", (err) => pageErrors.push(err.message));
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
  });

  after(async function () {
    await context?.close();
    await browser?.close();
    const code = await demo?.stop();
    await sim?.close();
    if (demo) assert.equal(code, 0, "the demo stops with exit code 0");
  });

  const running = (): DemoProcess => {
    if (!demo) throw new Error("the demo did not start");
    return demo;
  };

  describe("editor", function () {
    before(async function () {
      await openEditor(editor, running().baseUrl);
    });

    it("shows our seven nodes in the palette, with their labels from the catalog", async function () {
      for (const { type } of DIALOGS) {
        const entry = editor.locator(`.red-ui-palette-node[data-palette-type='${type}']`);
        assert.equal(await entry.count(), 1, type);
        const label = await paletteLabel(editor, type);
        assert.equal(label, catalogLabel(type, "en-US"), type);
        assert.ok(!looksLikeMessageKey(label), `${type} palette label "${label}"`);
      }
      for (const type of CONFIG_TYPES) {
        const registered = await editor.evaluate(
          (t) =>
            (globalThis as unknown as { RED: { nodes: { getType(t: string): unknown } } }).RED.nodes.getType(t) != null,
          type,
        );
        assert.ok(registered, `the ${type} config node type is registered`);
      }
    });

    it("example 01: a signed report goes to the HIS, an order before its images waits (docs/editor.png)", async function () {
      await editor.evaluate(() => {
        const RED = (
          globalThis as unknown as {
            RED: { workspaces: { show(id: string): void }; sidebar: { show(id: string): void } };
          }
        ).RED;
        RED.workspaces.show("sante-ex1-tab");
        RED.sidebar.show("debug");
      });
      await editor.locator("#red-ui-palette-search input").pressSequentially("sante");
      // The filter slides the other categories shut; wait for the last to go.
      await editor.locator("#red-ui-palette-container-storage").waitFor({ state: "hidden" });
      const mllp = { host: "127.0.0.1", port: running().ordersPort, timeoutMs: 10_000 };
      assert.match(await sendMllp(sample("oru-r01.hl7"), mllp), /MSA\|AA\|ORU000001/);
      // The result sent to the HIS (debug "result sent to the HIS"), an ORU^R01 whose RP OBX holds the link.
      const message = editor.locator(".red-ui-debug-msg", { hasText: "ORU^R01" }).first();
      await message.waitFor({ state: "visible" });
      assert.match(await message.innerText(), /result sent to the HIS/);
      // The order waits: acknowledged once stored, the study node's status says so (statuses are throttled).
      assert.match(await sendMllp(sample("orm-o01-images-later.hl7"), mllp), /MSA\|AA\|ORM000002/);
      await waitForStatus(editor, "sante-ex1-study", /^1 waiting for images, next \d\d:\d\d$/);
      await editor.mouse.move(0, 0);
      await editor.screenshot({ path: join(SCREENSHOT_DIR, "editor.png") });
      // The images arrive: the HIS page test below finds the link once the study node has looked again.
      sim?.addStudy(LATER.patientId, LATER.studyInstanceUid);
    });

    for (const { type, id, field } of DIALOGS) {
      it(`opens the edit dialog of ${type} with its labels translated`, async function () {
        await editNode(editor, id);
        const texts = await trayTexts(editor);
        assert.ok(texts.length >= 3, `only ${JSON.stringify(texts)}`);
        assert.deepEqual(texts.filter(looksLikeMessageKey), [], "raw message keys in the dialog");
        assert.equal(await editor.locator(field).count(), 1, field);
        await cancelTray(editor, "#node-dialog-cancel");
      });
    }

    it("opens the sante-hl7-endpoint dialog of the demo's HIS with its labels translated", async function () {
      await editConfigNode(editor, "sante-hl7-endpoint", "sante-demo-his");
      const texts = await trayTexts(editor);
      assert.deepEqual(texts.filter(looksLikeMessageKey), [], "raw message keys in the dialog");
      assert.equal(await editor.locator("#node-config-input-host").inputValue(), "127.0.0.1");
      assert.equal(await editor.locator("#node-config-input-port").inputValue(), String(running().hisPort));
      await cancelTray(editor, "#node-config-dialog-cancel");
    });

    it("opens the sante-pacs-server dialog, whose Test connection finds the seed study", async function () {
      await editConfigNode(editor, "sante-pacs-server", "sante-demo-pacs");
      const texts = await trayTexts(editor);
      assert.deepEqual(texts.filter(looksLikeMessageKey), [], "raw message keys in the dialog");
      assert.equal(await editor.locator("#node-config-input-host").inputValue(), "127.0.0.1");
      assert.equal(await editor.locator("#node-config-input-port").inputValue(), String(sim?.port));
      await editor.locator("#node-config-sante-test-uid").fill(SEED_STUDY.studyInstanceUid);
      await editor.locator("#node-config-sante-test").click();
      const note = editor.locator(".red-ui-notification").last();
      await note.waitFor({ state: "visible" });
      const text = await note.innerText();
      assert.ok(!looksLikeMessageKey(text), text);
      // Tokens are credentials: the notification shows at most a preview.
      assert.ok(!text.includes(SEED_STUDY.token), "the whole token is not shown");
      await cancelTray(editor, "#node-config-dialog-cancel");
    });

    for (const type of ALL_TYPES) {
      it(`shows the help of ${type} in the help sidebar`, async function () {
        const help = await showHelp(editor, type);
        assert.ok(!looksLikeMessageKey(help.title), help.title);
        assert.ok(help.body.includes(firstHelpParagraph(type)), `help of ${type}:\n${help.body.slice(0, 300)}`);
        assert.match(help.body, /Details/);
      });
    }

    it(`in ${OTHER_LANGUAGES.join(", ")}: palette labels and the help of every node in that language`, async function () {
      try {
        for (const lang of OTHER_LANGUAGES) {
          await openEditorIn(editor, running().baseUrl, lang);
          for (const { type } of DIALOGS) {
            assert.equal(await paletteLabel(editor, type), catalogLabel(type, lang), `${lang} ${type}`);
          }
          for (const type of ALL_TYPES) {
            const help = await showHelp(editor, type);
            assert.ok(!looksLikeMessageKey(help.title), `${lang} ${help.title}`);
            const intro = firstHelpParagraph(type, lang);
            assert.notEqual(intro, firstHelpParagraph(type), `locales/${lang}/${type}.html is translated`);
            assert.ok(help.body.includes(intro), `${lang} help of ${type}:\n${help.body.slice(0, 300)}`);
          }
        }
      } finally {
        await openEditorIn(editor, running().baseUrl, "en-US");
      }
    });

    it("raised no script error in the editor", function () {
      assert.deepEqual(pageErrors, []);
    });
  });

  describe("HIS page", function () {
    let page: Page;
    before(async function () {
      if (!context) this.skip();
      page = await context.newPage();
      await page.setViewportSize({ width: 1500, height: 600 });
    });
    after(async function () {
      await page?.close();
    });

    it("lists both results with their links, the waited order's first, once its images arrived (docs/his-page.png)", async function () {
      const res = await page.goto(`${running().baseUrl}/sante/his`);
      assert.equal(res?.status(), 200);
      // The study node looks again 10 s after the order's first lookup; the page reloads itself when a result comes.
      const rows = page.locator("tr.result");
      const start = Date.now();
      while ((await rows.count()) < 2) {
        assert.ok(Date.now() - start < 30_000, "two results on the HIS page within 30 s");
        await page.waitForTimeout(200);
      }
      assert.deepEqual(await Promise.all([0, 1].map((i) => rows.nth(i).getAttribute("data-study"))), [
        LATER.studyInstanceUid,
        SEED_STUDY.studyInstanceUid,
      ]);
      const links = page.locator("a.study-link");
      assert.equal(await links.nth(0).getAttribute("href"), linkFor(deriveToken(LATER.studyInstanceUid)));
      assert.equal(await links.nth(1).getAttribute("href"), linkFor(SEED_STUDY.token));
      assert.match(await rows.nth(1).innerText(), /DOE, JANE[\s\S]*SANTE-DOC-STUDY[\s\S]*ORD000001/);
      // The message as the HIS got it: the link travels in OBX-5 of the RP OBX, its & as \T\.
      const hl7 = page.locator("tr.hl7").first();
      await hl7.locator("summary").click();
      assert.match(await hl7.locator("pre").innerText(), /\nOBX\|2\|RP\|SANTE_LINK\^.*\\T\\ssl=no\\T\\token=/);
      await page.screenshot({ path: join(SCREENSHOT_DIR, "his-page.png"), fullPage: true });
    });

    it("the editor's study node says the order was found after waiting", async function () {
      await waitForStatus(editor, "sante-ex1-study", /^found after waiting$/);
    });
  });

  describe("patient page (example 02)", function () {
    let page: Page;
    before(async function () {
      if (!context) this.skip();
      page = await context.newPage();
      await page.setViewportSize({ width: 1100, height: 420 });
    });
    after(async function () {
      await page?.close();
    });

    it(`lists the three studies of ${EXAMPLE_PATIENT_ID}, each linking to the viewer (docs/patient-page.png)`, async function () {
      const res = await page.goto(`${running().baseUrl}/sante/patients/${EXAMPLE_PATIENT_ID}`);
      assert.equal(res?.status(), 200);
      const links = page.locator("a.study-link");
      assert.equal(await links.count(), 3);
      for (const [i, study] of EXAMPLE_STUDIES.entries()) {
        assert.equal(await links.nth(i).getAttribute("href"), linkFor(study.token));
        assert.equal((await links.nth(i).innerText()).trim(), "Open this study");
        assert.equal((await page.locator("td.uid").nth(i).innerText()).trim(), study.studyInstanceUid);
      }
      assert.equal(await page.locator("#no-studies").count(), 0);
      await page.screenshot({ path: join(SCREENSHOT_DIR, "patient-page.png") });
    });

    it("shows the empty state for an unknown patient", async function () {
      const res = await page.goto(`${running().baseUrl}/sante/patients/NOBODY-0001`);
      assert.equal(res?.status(), 200);
      assert.ok(await page.locator("#no-studies").isVisible());
      assert.equal(await page.locator("a.study-link").count(), 0);
    });

    it("left no warning or error in the runtime log", function () {
      assert.deepEqual(running().warnings(), []);
    });

    it("shows the 502 page once the PACS is stopped", async function () {
      await sim?.close();
      const res = await page.goto(`${running().baseUrl}/sante/patients/${EXAMPLE_PATIENT_ID}`);
      assert.equal(res?.status(), 502);
      const error = page.locator("#error");
      assert.ok(await error.isVisible());
      assert.equal(await error.getAttribute("data-code"), "SANTE_CONNECTION");
      assert.equal((await page.locator("h1").innerText()).trim(), "The PACS cannot be reached");
      assert.equal(await page.locator("a.study-link").count(), 0);
      // A failed lookup that a Catch node handles is not a runtime warning.
      assert.deepEqual(running().warnings(), []);
    });
  });
});
