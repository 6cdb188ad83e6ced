/**
 * The wait store of this Node-RED process: one journal under Node-RED's user
 * directory (`<userDir>/sante-waits/waits.journal`), opened once and shared by
 * the schedulers of every `sante-pacs-server` node (lib/wait/store.ts).
 *
 * Leased, not owned: a config node takes a lease when a study node first needs
 * waits and gives it back when it closes. A store nobody leases stays open
 * through a deploy (the nodes of the new flows lease it again at once, so 100,000
 * waits are not read again for nothing) and is closed when the flows are stopped
 * for good (Node-RED stops, or "stop flows"), or at the end of a deploy after which
 * nobody uses it.
 *
 * Waits of nodes that are not running (removed, or on a disabled tab) stay stored:
 * the node resumes them when it runs again. Once a deploy or start finds such a
 * wait past its deadline, it is dropped with a warning in the log (dropWaitsOfAbsentNodes).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { SanteError } from "../../lib/errors";
import { Users } from "../../lib/util/users";
import { WaitStore } from "../../lib/wait/store";

/** What of Node-RED's RED the store needs: settings.js, the event bus, the log, the running nodes. */
export interface WaitRuntime {
  settings?: { userDir?: unknown };
  events?: {
    on(event: string, listener: (payload?: unknown) => void): unknown;
    removeListener(event: string, listener: (payload?: unknown) => void): unknown;
  };
  log?: { warn(message: string): void };
  nodes: { getNode(id: string): unknown };
  _(key: string, substitutions?: Record<string, string | number>): string;
}

export interface WaitStoreLease {
  /** Rejects with SANTE_STORAGE when the journal cannot be opened (no user directory, no permission, not a journal). */
  readonly store: Promise<WaitStore>;
  release(): void;
}

export const WAIT_JOURNAL = join("sante-waits", "waits.journal");

interface Shared {
  readonly opened: Promise<WaitStore>;
  readonly users: Users;
}

const stores = new Map<string, Shared>();
/** Stores being closed: one opened again for the same file waits for it (two writers would tear the journal). */
const closing = new Map<string, Promise<void>>();
/** The runtime the event listeners below work with: the last one that called watchWaitStores(). */
let runtime: WaitRuntime | undefined;

/** The journal's path, or undefined when settings.js gives Node-RED no user directory. */
export function waitJournalPath(settings: WaitRuntime["settings"]): string | undefined {
  const userDir = settings?.userDir;
  return typeof userDir === "string" && userDir !== "" ? join(userDir, WAIT_JOURNAL) : undefined;
}

export function leaseWaitStore(RED: WaitRuntime): WaitStoreLease {
  const path = waitJournalPath(RED.settings);
  if (!path) {
    const store = Promise.reject(new SanteError("SANTE_STORAGE", RED._("sante-pacs-server.errors.no-user-dir")));
    store.catch(() => undefined);
    return { store, release: () => undefined };
  }
  let shared = stores.get(path);
  if (!shared) {
    const opening = (closing.get(path) ?? Promise.resolve()).then(() =>
      WaitStore.open(path, { onWarning: (message) => RED.log?.warn(message) }),
    );
    const fresh: Shared = { opened: opening, users: new Users() };
    // A store that failed to open is tried again by the next lease (the disk may have been fixed).
    opening.catch(() => {
      if (stores.get(path) === fresh) stores.delete(path);
    });
    stores.set(path, fresh);
    shared = fresh;
  }
  return { store: shared.opened, release: shared.users.take() };
}

/** Closes the stores that no node leases. */
async function closeUnusedWaitStores(): Promise<void> {
  const closings: Promise<void>[] = [];
  for (const [path, shared] of stores) {
    if (shared.users.count > 0) continue;
    stores.delete(path);
    const done = shared.opened
      .then((store) => store.close())
      .catch(() => undefined)
      .finally(() => {
        if (closing.get(path) === done) closing.delete(path);
      });
    closing.set(path, done);
    closings.push(done);
  }
  await Promise.all(closings);
}

/**
 * Drops, with a warning per node, the waits past their deadline of nodes that are not running: a removed node
 * that never came back, or a disabled one. (A running node's own scheduler ends its waits through Catch.) Runs
 * when flows have started (Node-RED's start, each deploy), also when no node uses waits any more, as long as the
 * journal exists.
 */
async function dropWaitsOfAbsentNodes(RED: WaitRuntime, now = Date.now()): Promise<number> {
  const path = waitJournalPath(RED.settings);
  if (!path || (!stores.has(path) && !existsSync(path))) return 0;
  const lease = leaseWaitStore(RED);
  let dropped = 0;
  try {
    const store = await lease.store;
    for (const nodeId of store.nodeIds()) {
      if (RED.nodes.getNode(nodeId)) continue;
      const expired = store.byNode(nodeId).filter((w) => w.deadline <= now);
      if (expired.length === 0) continue;
      // Together, so that they share the disk flushes (group commit).
      await Promise.all(expired.map((wait) => store.remove(wait.id, "dropped")));
      dropped += expired.length;
      const shown = expired.slice(0, 10).map((w) => w.studyInstanceUid + (w.messageId ? ` (${w.messageId})` : ""));
      RED.log?.warn(
        RED._("sante-pacs-server.warnings.waits-dropped", {
          count: expired.length,
          node: nodeId,
          studies: shown.join(", ") + (expired.length > shown.length ? ", …" : ""),
        }),
      );
    }
  } catch (err) {
    RED.log?.warn(RED._("sante-pacs-server.warnings.waits-unreadable", { reason: (err as Error).message }));
  } finally {
    lease.release();
  }
  return dropped;
}

function onFlowsStarted(): void {
  const RED = runtime;
  if (!RED) return;
  void dropWaitsOfAbsentNodes(RED).then(closeUnusedWaitStores);
}

/** After `flows:stopped`, Node-RED says whether a deploy follows (deploy: true) or the flows stay stopped. */
function onRuntimeEvent(event?: unknown): void {
  const e = event as { id?: unknown; payload?: { state?: unknown; deploy?: unknown } } | undefined;
  if (e?.id === "runtime-state" && e.payload?.state === "stop" && !e.payload.deploy) void closeUnusedWaitStores();
}

/**
 * Listens for starts and stops of the flows. Node-RED calls a node module once, the test helper once per load:
 * the same listeners are removed first so they are never added twice.
 */
export function watchWaitStores(RED: WaitRuntime): void {
  runtime = RED;
  const events = RED.events;
  if (!events) return;
  events.removeListener("flows:started", onFlowsStarted);
  events.removeListener("runtime-event", onRuntimeEvent);
  events.on("flows:started", onFlowsStarted);
  events.on("runtime-event", onRuntimeEvent);
}
