import { MemoryTokenStore } from ".";
import { Users } from "../util/users";

/**
 * The in-memory token caches of this Node-RED process, one per PACS and cache
 * size. Tokens never change, so a cache outlives the config node that filled
 * it: a redeploy closes the node and starts a new one, which picks the same
 * cache up again instead of asking the PACS for every study once more. Two
 * config nodes for the same PACS share one cache.
 */
interface Entry {
  readonly store: MemoryTokenStore;
  readonly users: Users;
}

const caches = new Map<string, Entry>();

/** A config node's hold on a shared cache; `release()` when the node closes (calling it twice is harmless). */
export interface CacheLease {
  readonly store: MemoryTokenStore;
  readonly release: () => void;
}

/** The shared cache of `pacs` (see pacsKey) holding at most `size` tokens; a different size is a different cache. */
export function leaseMemoryTokenStore(pacs: string, size: number): CacheLease {
  const key = `${pacs} ${size}`;
  let entry = caches.get(key);
  if (!entry) {
    entry = { store: new MemoryTokenStore(size), users: new Users() };
    caches.set(key, entry);
  }
  return { store: entry.store, release: entry.users.take() };
}

/**
 * Forgets the caches no running config node uses. Called once flows have
 * started: by then every config node of the new deploy holds its cache, so
 * what nobody holds belongs to a PACS (or size) that left the configuration,
 * and keeping it would grow memory with every address ever deployed.
 */
export function dropUnusedMemoryTokenStores(): void {
  for (const [key, entry] of caches) {
    if (entry.users.count === 0) caches.delete(key);
  }
}
