/**
 * A process that writes to a wait store, for the crash-safety tests.
 *
 *   node wait-store-child.js churn <journal> <seed>
 *     adds, updates and removes without pause until it is killed. It prints
 *     "added <id>" once an add is durable, "removing <id>" before a removal
 *     and "removed <id>" once that is durable: what the parent may rely on
 *     after a SIGKILL. Eight writers overlap (group commit) and a quarter of
 *     the messages are 200 KB, so that a kill may land inside a write.
 *
 *   node wait-store-child.js fill <journal>
 *     adds 10 KB messages until an add fails (run it under a file size limit:
 *     the write that crosses it is cut short, as on a full disk), then tries
 *     one more add, and prints "added <id>" / "failed <code>" for each.
 */
import { WaitStore, type NewWait } from "../../lib/wait/store";

function newWait(n: number): NewWait {
  return {
    nodeId: "n1",
    studyInstanceUid: `1.2.3.${n}`,
    plan: "1x1m",
    deadline: Date.now() + 60_000,
    nextAttemptAt: 0,
  };
}

async function churn(file: string, seedText: string): Promise<void> {
  let seed = Number(seedText) || 1;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const store = await WaitStore.open(file, { compactMinBytes: 2 * 1024 * 1024 });
  const live: string[] = [...store.records()].map((r) => r.id);
  process.stdout.write("ready\n");
  let n = 0;
  const one = async (): Promise<void> => {
    const roll = random();
    // Removals keep about 40 waits live, so the file stays small and compaction runs (and gets killed) often.
    if ((roll < 0.2 || live.length > 40) && live.length > 0) {
      const id = live.splice(Math.floor(random() * live.length), 1)[0];
      process.stdout.write(`removing ${id}\n`);
      await store.remove(id, "found");
      process.stdout.write(`removed ${id}\n`);
    } else if (roll < 0.45 && live.length > 0) {
      const id = live[Math.floor(random() * live.length)];
      await store.update(id, { attempts: ++n, nextAttemptAt: Date.now() + n, lastError: "SANTE_CONNECTION" });
    } else {
      const size = random() < 0.25 ? 200_000 : Math.floor(random() * 4000);
      const { record } = await store.add(newWait(++n), { payload: "x".repeat(size), n });
      live.push(record.id);
      process.stdout.write(`added ${record.id}\n`);
    }
  };
  const writer = async (): Promise<void> => {
    for (;;) await one();
  };
  await Promise.all(Array.from({ length: 8 }, writer));
}

async function fill(file: string): Promise<void> {
  const store = await WaitStore.open(file);
  let failed = 0;
  for (let n = 1; failed < 2; n++) {
    try {
      const { record } = await store.add(newWait(n), { payload: "f".repeat(10_000), n });
      process.stdout.write(`added ${record.id}\n`);
    } catch (err) {
      failed++;
      process.stdout.write(`failed ${(err as { code?: string }).code}\n`);
    }
  }
  await store.close();
}

const [mode, file, seed] = process.argv.slice(2);
(mode === "fill" ? fill(file) : churn(file, seed)).catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
