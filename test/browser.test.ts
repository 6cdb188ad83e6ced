/**
 * The demo in a real browser (Debian's Chromium through playwright-core): the
 * editor with our nodes, their dialogs and help, and example 02's patient
 * page, including the error page when the PACS is gone. The test runs its own
 * simulator (the demo's is switched off) so that it can stop it.
 *
 * Screenshots go to test-results/; with SANTE_UPDATE_SCREENSHOTS=1 they
 * replace docs/editor.png and docs/patient-page.png, which the README shows.
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
  editConfigNode,
  editNode,
  firstHelpParagraph,
  looksLikeMessageKey,
  openEditor,
  showHelp,
  trayTexts,
} from "./helpers/browser-editor";
import { EXAMPLE_PATIENT_ID, EXAMPLE_STUDIES, linkFor, SEED_STUDY } from "./helpers/browser-vendor-data";
import { NODE_RED_VERSION } from "./helpers/nr-runtime";

const UPDATE_SCREENSHOTS = process.env.SANTE_UPDATE_SCREENSHOTS === "1";
const SCREENSHOT_DIR = join(PROJECT_ROOT, UPDATE_SCREENSHOTS ? "docs" : "test-results");

/** A node of each of our types in the demo's flows, and the Cancel button of its tray. */
const DIALOGS = [
  { type: "sante-study-token", id: "sante-ex1-study" },
  { type: "sante-patient-tokens", id: "sante-ex2-tokens" },
  { type: "sante-viewer-link", id: "sante-ex1-link" },
] as const;

describe(`browser: the demo's editor and patient page (Node-RED ${NODE_RED_VERSION})`, function () {
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
    // The docs' screenshot shows the MLLP port a user will see (2576); test runs take free ports.
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

    it("shows our three nodes in the palette, with translated labels", async function () {
      for (const { type } of DIALOGS) {
        const entry = editor.locator(`.red-ui-palette-node[data-palette-type='${type}']`);
        assert.equal(await entry.count(), 1, type);
        const label = (await entry.locator(".red-ui-palette-label").innerText()).trim();
        assert.ok(label !== "" && !looksLikeMessageKey(label), `${type} palette label "${label}"`);
      }
      const configType = await editor.evaluate(
        () =>
          (globalThis as unknown as { RED: { nodes: { getType(t: string): unknown } } }).RED.nodes.getType(
            "sante-pacs-server",
          ) != null,
      );
      assert.ok(configType, "the sante-pacs-server config node type is registered");
    });

    it("shows the link of an order sent over MLLP in the Debug sidebar (docs/editor.png)", async function () {
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
      const order = toHl7Segments(readFileSync(join(PROJECT_ROOT, "examples", "data", "orm-o01.hl7"), "utf8"));
      const ack = await sendMllp(order, { host: "127.0.0.1", port: running().ordersPort, timeoutMs: 10_000 });
      assert.match(ack, /MSA\|AA\|ORM000001/);
      const message = editor.locator(".red-ui-debug-msg", { hasText: "sante://download" }).first();
      await message.waitFor({ state: "visible" });
      const shown = await message.innerText();
      // The sidebar shortens long strings: the length and the start identify the link.
      const link = linkFor(SEED_STUDY.token);
      assert.ok(shown.includes(`string[${link.length}]`) && shown.includes(link.slice(0, 70)), shown);
      // Node statuses are throttled (nodes/glue/throttled-status.ts): let "waiting" give way to the result on every node (the
      // study and the link node both show it): first() keeps matching whichever still says "waiting".
      const waiting = editor.locator(".red-ui-flow-node-status-label", { hasText: "waiting" });
      await waiting.first().waitFor({ state: "hidden" });
      await editor.mouse.move(0, 0);
      await editor.screenshot({ path: join(SCREENSHOT_DIR, "editor.png") });
    });

    for (const { type, id } of DIALOGS) {
      it(`opens the edit dialog of ${type} with its labels translated`, async function () {
        await editNode(editor, id);
        const texts = await trayTexts(editor);
        assert.ok(texts.length >= 4, `only ${JSON.stringify(texts)}`);
        assert.deepEqual(texts.filter(looksLikeMessageKey), [], "raw message keys in the dialog");
        assert.equal(await editor.locator("#node-input-server").count(), 1, "a server picker");
        await cancelTray(editor, "#node-dialog-cancel");
      });
    }

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

    for (const type of ["sante-pacs-server", ...DIALOGS.map((d) => d.type)]) {
      it(`shows the help of ${type} in the help sidebar`, async function () {
        const help = await showHelp(editor, type);
        assert.ok(!looksLikeMessageKey(help.title), help.title);
        assert.ok(help.body.includes(firstHelpParagraph(type)), `help of ${type}:\n${help.body.slice(0, 300)}`);
        assert.match(help.body, /Details/);
      });
    }

    it("raised no script error in the editor", function () {
      assert.deepEqual(pageErrors, []);
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
