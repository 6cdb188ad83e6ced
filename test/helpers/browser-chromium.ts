/**
 * Debian's Chromium driven by playwright-core: never a downloaded browser.
 * Missing Chromium skips the browser tests locally (loudly) and fails them
 * under CI=true, where .ci/run installs it.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM_PATH = process.env.SANTE_CHROMIUM ?? "/usr/bin/chromium";

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/** Call from a mocha before() hook: skips the suite, or throws under CI. */
export function requireChromium(context: Mocha.Context): void {
  if (chromiumAvailable()) return;
  const message = `${CHROMIUM_PATH} not found: install it with "apt-get install -y chromium"`;
  if (process.env.CI === "true") throw new Error(`${message} (CI=true: browser tests may not be skipped)`);
  const bar = "!".repeat(78);
  console.warn(`\n${bar}\n!! SKIPPING BROWSER TESTS: ${message}\n${bar}\n`);
  context.skip();
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // Root in a container has no user namespace for the sandbox; nothing here needs a GPU or the network.
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
  });
}
