import { strict as assert } from "node:assert";

/** Counts of the process's active resources by kind (TCPSocketWrap, Timeout, …). */
export function resourceCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

/**
 * Asserts that no socket, server or timer is left beyond those open at `before`.
 * Closed sockets release their handle on a later tick, so it gives them a few turns of the loop.
 */
export async function assertNoLeaks(before: Map<string, number>): Promise<void> {
  const kinds = ["TCPSocketWrap", "TCPServerWrap", "Timeout", "TLSWrap"];
  let extra: string[] = [];
  for (let attempt = 0; attempt < 50; attempt++) {
    const now = resourceCounts();
    extra = kinds
      .filter((k) => (now.get(k) ?? 0) > (before.get(k) ?? 0))
      .map((k) => `${k}: ${before.get(k) ?? 0} → ${now.get(k)}`);
    if (extra.length === 0) return;
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`resources left open: ${extra.join(", ")}`);
}

/**
 * Mocha hooks around each test of the enclosing describe(): count the resources before it (after a turn of
 * the loop, once mocha has armed its own hook timer, as it has in afterEach), and after it run `cleanup`
 * (close clients and servers) and assert that nothing is left.
 */
export function leakCheckEach(cleanup: () => Promise<void>): void {
  let before: Map<string, number>;
  beforeEach(async () => {
    await new Promise((resolve) => setImmediate(resolve));
    before = resourceCounts();
  });
  afterEach(async () => {
    await cleanup();
    await assertNoLeaks(before);
  });
}
