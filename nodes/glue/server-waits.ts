/**
 * The wait scheduler of one `sante-pacs-server` node: made when a study node
 * first needs it, over the process's shared wait store, asking the PACS through
 * the config node's own client (so its token cache answers repeats) with at most
 * `connections` lookups at once: the client counts a socket until it has closed,
 * so polling never takes the PACS past the sockets the config node allows.
 */
import { SanteError } from "../../lib/errors";
import type { SanteClient } from "../../lib/sante";
import { WaitScheduler } from "../../lib/wait/scheduler";
import { leaseWaitStore, type WaitRuntime, type WaitStoreLease } from "./wait-store-lease";

interface ServerWaits {
  /** The scheduler; rejects with SANTE_STORAGE (the store cannot be opened) or SANTE_CLOSED (the node closed). */
  scheduler(): Promise<WaitScheduler>;
  /** Stops polling (waits stay stored) and gives the store back; before the client closes. */
  close(): Promise<void>;
}

export function serverWaits(
  RED: WaitRuntime,
  client: () => SanteClient,
  concurrency: number,
  warn: (message: string) => void,
): ServerWaits {
  let made: Promise<WaitScheduler> | undefined;
  let lease: WaitStoreLease | undefined;
  let closed = false;

  async function make(): Promise<WaitScheduler> {
    const pacs = client(); // throws when the config node's settings are invalid
    lease = leaseWaitStore(RED);
    let store;
    try {
      store = await lease.store;
    } catch (err) {
      // Asked again by the next message: the disk may have been fixed meanwhile.
      lease.release();
      lease = undefined;
      made = undefined;
      throw err;
    }
    if (closed) throw new SanteError("SANTE_CLOSED", RED._("sante-pacs-server.errors.closed"));
    const scheduler = new WaitScheduler({
      store,
      lookup: (uid) => pacs.studyToken(uid),
      concurrency,
      onError: (err) => warn(RED._("sante-pacs-server.warnings.wait-error", { reason: err.message })),
    });
    // Every study node using this server listens for its own changes.
    scheduler.setMaxListeners(0);
    return scheduler;
  }

  return {
    scheduler() {
      if (closed) return Promise.reject(new SanteError("SANTE_CLOSED", RED._("sante-pacs-server.errors.closed")));
      made ??= make();
      return made;
    },
    async close() {
      closed = true;
      const scheduler = await made?.catch(() => undefined);
      await scheduler?.close();
      lease?.release();
    },
  };
}
