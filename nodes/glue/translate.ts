import type { NodeAPI } from "./node-red-types";

/** Text from one node type's message catalog, by key below the type: t(key, substitutions), key such as status.waiting. */
export type Translate = (key: string, substitutions?: Record<string, string | number>) => string;

/**
 * Each node is its own node set, so each has its own catalog
 * (locales/en-US/<type>.json holding `{ "<type>": {...} }`). Helpers shared by
 * several nodes look their keys up through this, and every such key must exist
 * in the catalog of every node that uses the helper (test/nodes-i18n.test.ts checks).
 */
export function translator(RED: NodeAPI, type: string): Translate {
  return (key, substitutions) => RED._(`${type}.${key}`, substitutions);
}
