import type { TokenStore } from "../../lib/sante";
import { ContextTokenStore, type GlobalContext } from "./token-cache-context";
import { pacsKey } from "../../lib/sante/token-cache-key";
import { dropUnusedMemoryTokenStores, leaseMemoryTokenStore } from "../../lib/sante/token-cache-memory";

/** Where one config node's study tokens are cached; `release()` when the node closes. */
export interface TokenCache {
  /** undefined: no cache (cacheSize 0). */
  readonly store: TokenStore | undefined;
  /** Why a configured context store is not used (it is not in settings.js), for a warning at deploy. */
  readonly unknownStore?: string;
  release(): void;
}

export interface TokenCacheSettings {
  host: string;
  port: number;
  /** 0: no cache at all, not even in a context store. */
  cacheSize: number;
  /** "" for memory, else the name of a Node-RED context store. */
  cacheStore: string;
}

/**
 * The context stores settings.js configures, by the names flows may use;
 * without any, Node-RED has just its default "memory" store. Read from
 * settings because the context API does not say whether a name is known: it
 * silently falls back to the default store.
 */
function configuredContextStores(contextStorage: unknown): string[] {
  if (typeof contextStorage !== "object" || contextStorage === null || Object.keys(contextStorage).length === 0) {
    return ["memory"];
  }
  // "_" is Node-RED's internal name of the default store, not one a flow may use.
  return Object.keys(contextStorage).filter((name) => name !== "_");
}

/**
 * Picks the cache for a config node. A store name that settings.js does not
 * configure would make Node-RED put the tokens in its default store, maybe
 * another machine's Redis or a file where nobody expects credentials; so an
 * unknown name falls back to this process's memory and says so.
 */
export function openTokenCache(
  settings: TokenCacheSettings,
  global: GlobalContext,
  contextStorage: unknown,
): TokenCache {
  if (settings.cacheSize === 0) return { store: undefined, release: () => undefined };
  const pacs = pacsKey(settings.host, settings.port);
  const name = settings.cacheStore;
  if (name !== "" && configuredContextStores(contextStorage).includes(name)) {
    return { store: new ContextTokenStore(global, name, pacs, settings.cacheSize), release: () => undefined };
  }
  const lease = leaseMemoryTokenStore(pacs, settings.cacheSize);
  return { store: lease.store, release: lease.release, ...(name === "" ? {} : { unknownStore: name }) };
}

/** Node-RED's event bus, as far as we use it (`RED.events`, @node-red/util events). */
export interface RuntimeEvents {
  on(event: string, listener: () => void): unknown;
  removeListener(event: string, listener: () => void): unknown;
}

/**
 * Drops memory caches no config node took up again once a deploy has started
 * its flows. Node-RED calls a node module once, the test helper once per load:
 * the same listener is removed first so it is never added twice.
 */
export function dropUnusedCachesAfterDeploys(events: RuntimeEvents | undefined): void {
  if (!events) return;
  events.removeListener("flows:started", dropUnusedMemoryTokenStores);
  events.on("flows:started", dropUnusedMemoryTokenStores);
}
