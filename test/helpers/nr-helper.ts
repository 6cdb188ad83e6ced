/**
 * node-red-node-test-helper, typed for our tests, with our node modules
 * (compiled, from dist) loaded into a real Node-RED runtime: the devDependency,
 * or the version `npm run test:compat` names (see nr-runtime.ts).
 */
import serverModule from "../../nodes/sante-pacs-server";
import studyModule from "../../nodes/sante-study-token";
import patientModule from "../../nodes/sante-patient-tokens";
import linkModule from "../../nodes/sante-viewer-link";
import endpointModule from "../../nodes/sante-hl7-endpoint";
import sendModule from "../../nodes/sante-hl7-send";
import resultModule from "../../nodes/sante-hl7-result";
import hl7InModule from "../../nodes/sante-hl7-in";
import hl7ReplyModule from "../../nodes/sante-hl7-reply";
import type { NodeAPI, NodeMessage } from "../../nodes/glue/node-red-types";
import { dropUnusedMemoryTokenStores } from "../../lib/sante/token-cache-memory";
import { catalogTranslator } from "./nr-i18n";
import { NODE_RED_MAIN, requireFromNodeRed } from "./nr-runtime";

type NodeModule = (RED: NodeAPI) => void;

export interface SpyCall {
  args: unknown[];
  thisValue: unknown;
}

/** A runtime node as the helper shows it: its Node.prototype methods are sinon spies that also emit `call:<method>`. */
export interface TestNode {
  id: string;
  type: string;
  on(event: "input", listener: (msg: NodeMessage) => void): void;
  on(event: `call:${string}`, listener: (call: SpyCall) => void): void;
  receive(msg: NodeMessage): void;
  /** The sinon spies behind Node.prototype.error/status/warn: calls of every node, `thisValue` tells which. */
  error: { getCalls(): SpyCall[] };
  status: { getCalls(): SpyCall[] };
  warn: { getCalls(): SpyCall[] };
}

/** Calls of a Node.prototype spy made by node `id`, oldest first. */
export function callsBy(spy: { getCalls(): SpyCall[] }, id: string): unknown[][] {
  return spy
    .getCalls()
    .filter((c) => (c.thisValue as { id?: string } | undefined)?.id === id)
    .map((c) => c.args);
}

interface SupertestResponse {
  status: number;
  body: unknown;
  text: string;
}

interface TestHelper {
  init(runtimePath: string, settings?: object): void;
  load(nodes: NodeModule[], flow: object[], credentials?: object): Promise<void>;
  unload(): Promise<void>;
  getNode(id: string): TestNode | null;
  setFlows(flow: object[], type?: "full" | "flows" | "nodes", credentials?: object): Promise<void>;
  request(): {
    post(path: string): { send(body: unknown): PromiseLike<SupertestResponse>; set(h: string, v: string): unknown };
    get(path: string): PromiseLike<SupertestResponse>;
  };
  /** Merges settings over the runtime's for the next load (e.g. userDir). */
  settings(settings: object): object;
  /** The spy on Node-RED's log.log while a flow is loaded: calls carry `{ level, msg }`. */
  log(): { getCalls(): SpyCall[] };
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the helper ships no type declarations
export const helper = require("node-red-node-test-helper") as TestHelper;
helper.init(NODE_RED_MAIN);

/** Keys our code asked for that en-US lacks; nodes-i18n.test.ts asserts it stays empty. */
export const missingKeys = new Set<string>();
const translate = catalogTranslator(missingKeys);

/** Gives a node module the catalog translator instead of the helper's key-echoing RED._. */
function withCatalog(mod: NodeModule): NodeModule {
  return (RED) => {
    RED._ = translate;
    mod(RED);
  };
}

export const OUR_NODES: NodeModule[] = [
  serverModule,
  studyModule,
  patientModule,
  linkModule,
  endpointModule,
  sendModule,
  resultModule,
  hl7InModule,
  hl7ReplyModule,
].map(withCatalog);

/** Core nodes by path inside @node-red/nodes (the helper preloads only catch, status and complete). */
export function coreNode(path: string): NodeModule {
  // Core nodes are CommonJS modules without types.
  return requireFromNodeRed(`@node-red/nodes/core/${path}`) as NodeModule;
}

/**
 * The memory token caches belong to a PACS address and outlive a redeploy, as
 * they outlive helper.unload(); every test starts without those of earlier
 * tests (whose flows are unloaded by then), as a deploy would drop them.
 * (A root hook: it runs before each test of the whole run.)
 */
if (typeof beforeEach === "function") beforeEach(dropUnusedMemoryTokenStores);

export function node(id: string): TestNode {
  const found = helper.getNode(id);
  if (!found) throw new Error(`node ${id} is not running`);
  return found;
}
