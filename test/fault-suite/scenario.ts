/**
 * The fault suite's run, in a process of its own (Node-RED's runtime is a
 * singleton, and memory is only measurable away from the other tests):
 * N lookups through sante-study-token in a real Node-RED runtime while the
 * PACS misbehaves by study and, by turns, refuses connections, restarts,
 * and the flow is redeployed. Prints one JSON line with what happened.
 *
 * How each message ended is read from Node-RED's own hooks: `onSend` from
 * the lookup node is an output, `onComplete` is done() (with or without an
 * error). So the count is what the runtime saw, not what our node claims.
 */
import { NodeRedBench, TAB, type FlowNode } from "../../bench/node-red-embed";
import { ALLOWED, ChaosPacs, chaosToken, chaosUid, faultOf } from "../helpers/chaos-pacs";
import * as path from "node:path";

interface Hooks {
  add(name: string, fn: (event: unknown) => void): void;
  remove(name: string): void;
}

interface Ending {
  outputs: number;
  completes: number;
  errors: string[];
  tokens: string[];
}

const N = Number(process.env.FAULT_N ?? 20000);
const WINDOW = 1000;
const gc = (globalThis as { gc?: () => void }).gc;

function heapMb(): number {
  gc?.();
  gc?.();
  return Math.round((process.memoryUsage().heapUsed / 1048576) * 10) / 10;
}

function flow(port: number): FlowNode[] {
  return [
    {
      id: "pacs",
      type: "sante-pacs-server",
      host: "127.0.0.1",
      port: String(port),
      // Generous, so that only the stalling studies time out even on a loaded machine.
      timeout: "1000",
      connections: "16",
      keepAlive: true,
      retries: "2",
      breakerThreshold: "5",
      breakerCooldown: "100",
      cacheSize: "0",
      webPort: "3000",
      ssl: false,
    },
    {
      id: "n1",
      type: "sante-study-token",
      z: TAB,
      server: "pacs",
      property: "payload",
      propertyType: "msg",
      output: "payload",
      wires: [["sink"]],
    },
    { id: "sink", type: "bench-sink", z: TAB, channel: "out" },
  ];
}

async function main(): Promise<void> {
  const pacs = new ChaosPacs();
  await pacs.start();
  const red = await NodeRedBench.start(path.resolve(__dirname, "..", "..", "nodes"));
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the same runtime singleton NodeRedBench started
  const hooks = (require("node-red") as { hooks: Hooks }).hooks;
  const endings: Ending[] = Array.from({ length: N }, () => ({ outputs: 0, completes: 0, errors: [], tokens: [] }));
  let ended = 0;
  const indexOf = (msg: unknown): number | undefined => (msg as { idx?: number } | undefined)?.idx;
  hooks.add("onSend.fault", (events) => {
    for (const e of events as Array<{ msg: { payload?: unknown }; source: { id: string } }>) {
      const i = indexOf(e.msg);
      if (e.source.id !== "n1" || i === undefined) continue;
      endings[i].outputs++;
      endings[i].tokens.push(String(e.msg.payload));
    }
  });
  hooks.add("onComplete.fault", (event) => {
    const { msg, error, node } = event as { msg: unknown; error?: { code?: string }; node: { id: string } };
    const i = indexOf(msg);
    if (node.id !== "n1" || i === undefined) return;
    if (endings[i].completes++ === 0) ended++;
    if (error) endings[i].errors.push(error.code ?? "NO_CODE");
  });

  await red.deploy(flow(pacs.port));
  const heapBefore = heapMb();
  const resourcesBefore = process.getActiveResourcesInfo().filter((r) => r !== "Timeout").length;
  const rssStart = process.memoryUsage().rss;
  let rssPeak = rssStart;
  const started = Date.now();

  const events: string[] = [];
  const at = (fraction: number, what: string, act: () => Promise<void>) => ({
    due: Math.floor(N * fraction),
    what,
    act,
    done: false,
  });
  const timeline = [
    at(0.15, "refuse connections for 400 ms", () => pacs.restart(400)),
    at(0.4, "redeploy (full) with lookups in flight", () => red.deploy(flow(pacs.port))),
    at(0.6, "restart the PACS (down 50 ms)", () => pacs.restart(50)),
    at(0.8, "refuse connections for 150 ms", () => pacs.restart(150)),
  ];

  for (let sent = 0; sent < N;) {
    while (sent - ended >= WINDOW) await new Promise((resolve) => setTimeout(resolve, 2));
    for (const step of timeline) {
      if (!step.done && sent >= step.due) {
        step.done = true;
        events.push(`${step.what} at message ${sent}`);
        await step.act();
      }
    }
    const batch = Math.min(100, N - sent);
    const n1 = red.node("n1");
    for (let k = 0; k < batch; k++, sent++) n1.receive({ payload: chaosUid(sent), idx: sent });
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const deadline = Date.now() + 60_000;
  while (ended < N && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  const seconds = (Date.now() - started) / 1000;

  // Tally: every message must have ended exactly once, the right way for its study.
  const tally: Record<string, number> = {};
  const problems: string[] = [];
  endings.forEach((e, i) => {
    const uid = chaosUid(i);
    const fault = faultOf(uid);
    const outcome = e.outputs === 1 && e.errors.length === 0 ? "token" : (e.errors[0] ?? "none");
    tally[outcome] = (tally[outcome] ?? 0) + 1;
    const endings = e.outputs + e.errors.length;
    if (e.completes !== 1 || endings !== 1) {
      problems.push(
        `message ${i} (${fault}): ${e.outputs} outputs, ${e.completes} done() calls, errors ${e.errors.join(",")}`,
      );
    } else if (outcome === "token" && e.tokens[0] !== chaosToken(uid)) {
      problems.push(`message ${i} got the token of another study`);
    } else if (!ALLOWED[fault].includes(outcome) && outcome !== "SANTE_CLOSED") {
      problems.push(`message ${i} (${fault}) ended with ${outcome}`);
    }
  });

  // Stop the flow: nothing of ours may stay open.
  await red.deploy([]);
  await pacs.stop();
  hooks.remove("*.fault");
  await new Promise((resolve) => setTimeout(resolve, 300));
  const heapAfter = heapMb();
  const leftovers = process.getActiveResourcesInfo().filter((r) => r !== "Timeout");
  const activeTimers = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
  await red.stop();

  const result = {
    n: N,
    seconds,
    ended,
    tally,
    problems: problems.slice(0, 20),
    problemCount: problems.length,
    events,
    pacsRequests: pacs.requests,
    heapBeforeMb: heapBefore,
    heapAfterMb: heapAfter,
    rssStartMb: Math.round(rssStart / 1048576),
    rssPeakMb: Math.round(rssPeak / 1048576),
    resourcesBefore,
    resourcesAfter: leftovers.length,
    leftovers,
    activeTimers,
  };
  process.stdout.write(`FAULT-SUITE ${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String((err as Error).stack ?? err)}\n`);
  process.exit(1);
});
