/**
 * Driving the Node-RED editor from Playwright through its own API
 * (RED.editor.edit, RED.sidebar.help.show, …) instead of drag and drop, so a
 * change of layout does not break the tests. The functions given to
 * page.evaluate run in the browser; they see the editor's global RED.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { PROJECT_ROOT } from "./browser-demo";

/** The parts of the editor's global `RED` the tests call. */
export interface EditorRed {
  nodes: { node(id: string): unknown; getType(type: string): unknown };
  editor: {
    edit(node: unknown): void;
    editConfig(name: string, type: string, id: string): void;
  };
  sidebar: { show(id: string): void; help: { show(type: string): void } };
  workspaces: { show(id: string): void };
}

type WithRed = { RED: EditorRed };

/** Opens the editor and waits until the palette and the deployed flows are loaded. */
export async function openEditor(page: Page, baseUrl: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.waitForSelector(".red-ui-palette-node[data-palette-type='sante-study-token']", { timeout: 60_000 });
  await page.waitForFunction(() => (globalThis as unknown as WithRed).RED.nodes.node("sante-ex1-study") != null);
}

/** Opens a flow node's edit tray. */
export async function editNode(page: Page, id: string): Promise<void> {
  await page.evaluate((nodeId) => {
    const RED = (globalThis as unknown as WithRed).RED;
    RED.editor.edit(RED.nodes.node(nodeId));
  }, id);
  await page.locator("#node-dialog-ok").waitFor({ state: "visible" });
}

/** Opens a config node's edit tray. */
export async function editConfigNode(page: Page, type: string, id: string): Promise<void> {
  await page.evaluate(
    ([nodeType, nodeId]) => (globalThis as unknown as WithRed).RED.editor.editConfig("", nodeType, nodeId),
    [type, id],
  );
  await page.locator("#node-config-dialog-ok").waitFor({ state: "visible" });
}

/** Clicks Cancel of the topmost tray and waits until it is gone. */
export async function cancelTray(page: Page, cancelSelector: string): Promise<void> {
  await page.locator(cancelSelector).click();
  await page.locator(cancelSelector).waitFor({ state: "detached" });
}

/** The visible texts of the topmost tray's form labels, tabs and buttons. */
export async function trayTexts(page: Page): Promise<string[]> {
  const tray = page.locator(".red-ui-tray").last();
  const texts = await tray.locator("label, .red-ui-tab-label, button, .red-ui-tray-titlebar").allInnerTexts();
  return texts.map((t) => t.replace(/\s+/g, " ").trim()).filter((t) => t !== "");
}

/**
 * A text that is an untranslated message key: i18next shows the key itself
 * ("sante-study-token.label.server", "sante-hl7-in.label.node",
 * "node-red:common.label.name") when the catalog lacks it, alone or inside a
 * longer text.
 */
export function looksLikeMessageKey(text: string): boolean {
  return /^[\w-]+(:[\w-]+)?(\.[\w-]+)+$/.test(text.trim()) || /\bsante-[a-z0-9-]+\.[a-z]+/.test(text);
}

/** The editor in another language (Node-RED's Settings ▸ View ▸ Language keeps it there), loaded again. */
export async function openEditorIn(page: Page, baseUrl: string, lang: string): Promise<void> {
  await page.evaluate(
    (l) =>
      (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem(
        "editor-language",
        l,
      ),
    lang,
  );
  await openEditor(page, baseUrl);
}

/** Waits until the status text under a flow node matches (statuses are throttled); resolves with the text. */
export async function waitForStatus(page: Page, nodeId: string, pattern: RegExp, limitMs = 30_000): Promise<string> {
  const label = page.locator(`#${nodeId} .red-ui-flow-node-status-label`);
  const start = Date.now();
  for (;;) {
    const text = (await label.textContent()) ?? "";
    if (pattern.test(text)) return text;
    if (Date.now() - start > limitMs) throw new Error(`the status of ${nodeId} is "${text}", not ${String(pattern)}`);
    await page.waitForTimeout(100);
  }
}

/** A node's palette label, without the line breaks the palette puts in at spaces and hyphens. */
export async function paletteLabel(page: Page, type: string): Promise<string> {
  const entry = page.locator(`.red-ui-palette-node[data-palette-type='${type}']`);
  const shown = await entry.locator(".red-ui-palette-label").innerText();
  return shown.replace(/ ?-\n/g, "-").replace(/\s+/g, " ").trim();
}

/** The `label.node` text of a node's catalog in `lang` (locales/<lang>/<type>.json). */
export function catalogLabel(type: string, lang: string): string {
  const catalog = JSON.parse(readFileSync(join(PROJECT_ROOT, "locales", lang, `${type}.json`), "utf8")) as Record<
    string,
    { label?: { node?: string } }
  >;
  const label = catalog[type]?.label?.node;
  if (label === undefined) throw new Error(`locales/${lang}/${type}.json has no label.node`);
  return label;
}

export async function showHelp(page: Page, type: string): Promise<{ title: string; body: string }> {
  await page.evaluate((nodeType) => (globalThis as unknown as WithRed).RED.sidebar.help.show(nodeType), type);
  const title = page.locator(".red-ui-help-title");
  await title.waitFor({ state: "visible" });
  const body = await page.locator(".red-ui-help-title + .red-ui-help").innerText();
  return { title: (await title.innerText()).trim(), body: collapse(body) };
}

/** The first paragraph of a node's help, as written in locales/<lang>/<type>.html, without tags. */
export function firstHelpParagraph(type: string, lang = "en-US"): string {
  const html = readFileSync(join(PROJECT_ROOT, "locales", lang, `${type}.html`), "utf8");
  const paragraph = /<p>([\s\S]*?)<\/p>/.exec(html)?.[1];
  if (paragraph === undefined) throw new Error(`locales/${lang}/${type}.html has no <p>`);
  return collapse(
    paragraph
      .replace(/<[^>]+>/g, "")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&amp;/g, "&"),
  );
}

function collapse(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
