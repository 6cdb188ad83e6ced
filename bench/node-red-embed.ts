/**
 * A real Node-RED runtime inside the bench process (RED.init + RED.start with
 * every core node loaded, no editor, no HTTP), with our nodes registered the
 * way the registry would (each its own node set, its message catalog loaded)
 * and a `bench-sink` node type that hands messages reaching it to the bench.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { EventEmitter } from "node:events";

/** A node in a flow, as the editor would save it. */
export interface FlowNode {
  id: string;
  type: string;
  z?: string;
  wires?: string[][];
  [property: string]: unknown;
}

export interface BenchMessage {
  payload?: unknown;
  benchIndex?: number;
  error?: { code?: string; message?: string };
  [property: string]: unknown;
}

interface RuntimeNode {
  receive(msg: BenchMessage): void;
  on(event: "input", listener: (msg: BenchMessage, send: (msg: BenchMessage) => void, done: () => void) => void): void;
}

/** The parts of `require("node-red")` (lib/red.js) the bench uses. */
interface Red {
  init(settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  version(): string;
  events: EventEmitter;
  nodes: {
    setFlows(flows: FlowNode[], credentials: null, type: "full"): Promise<unknown>;
    getNode(id: string): RuntimeNode | null;
  };
}

/** The RED object a node module's exported function receives (@node-red/registry lib/util.js). */
interface NodeApi {
  nodes: {
    createNode(node: object, def: FlowNode): void;
    registerType(type: string, ctor: (this: RuntimeNode, def: FlowNode) => void): void;
  };
}

interface RegistryUtil {
  createNodeApi(node: { id: string; namespace: string }): NodeApi;
}

interface NodeRedI18n {
  registerMessageCatalog(namespace: string, dir: string, file: string): Promise<void>;
}

export const TAB = "bench-tab";
const PACKAGE = "node-red-contrib-sante-pacs";
const OUR_TYPES = [
  "sante-pacs-server",
  "sante-study-token",
  "sante-patient-tokens",
  "sante-viewer-link",
  "sante-hl7-result",
  "sante-hl7-endpoint",
  "sante-hl7-send",
  "sante-hl7-in",
  "sante-hl7-reply",
];

export type SinkHandler = (channel: string, msg: BenchMessage) => void;

/** A deploy that has not started within this long (say, a node type missing) is an error, not a hang. */
const DEPLOY_TIMEOUT_MS = 30_000;

export class NodeRedBench {
  private handler: SinkHandler = () => undefined;
  /** Our node types that failed to load, with why: rows using them fail, the others still run. */
  private readonly unavailable = new Map<string, string>();

  private constructor(
    private readonly red: Red,
    private readonly userDir: string,
  ) {}

  static async start(distNodes: string): Promise<NodeRedBench> {
    // Loaded only now: requiring node-red costs time and memory the raw and core rows should not carry.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const red = require("node-red") as Red;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const registryUtil = require("@node-red/registry/lib/util") as RegistryUtil;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { i18n } = require("@node-red/util") as { i18n: NodeRedI18n };
    const userDir = mkdtempSync(path.join(tmpdir(), "sante-bench-"));
    red.init({
      userDir,
      flowFile: "flows.json",
      credentialSecret: false,
      httpAdminRoot: false,
      httpNodeRoot: false,
      disableEditor: true,
      logging: { console: { level: "fatal", metrics: false, audit: false } },
      telemetry: { enabled: false },
      editorTheme: { tours: false },
    });
    await red.start();
    const bench = new NodeRedBench(red, userDir);

    for (const type of OUR_TYPES) {
      const id = `${PACKAGE}/${type}`;
      try {
        const locales = path.join(distNodes, "locales");
        if (existsSync(path.join(locales, "en-US", `${type}.json`)))
          await i18n.registerMessageCatalog(id, locales, `${type}.json`);
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const mod = require(path.join(distNodes, `${type}.js`)) as
          ((api: NodeApi) => void) | { default: (api: NodeApi) => void };
        const register = typeof mod === "function" ? mod : mod.default;
        register(registryUtil.createNodeApi({ id, namespace: id }));
      } catch (err) {
        bench.unavailable.set(type, (err as Error).message.split("\n")[0]);
      }
    }

    const sinkApi = registryUtil.createNodeApi({ id: "bench/bench-sink", namespace: "bench/bench-sink" });
    sinkApi.nodes.registerType("bench-sink", function (this: RuntimeNode, def: FlowNode) {
      sinkApi.nodes.createNode(this, def);
      const channel = String(def.channel);
      this.on("input", (msg, _send, done) => {
        bench.handler(channel, msg);
        done();
      });
    });
    // The floor of any node: sends each message on at once, doing nothing else.
    const echoApi = registryUtil.createNodeApi({ id: "bench/bench-echo", namespace: "bench/bench-echo" });
    echoApi.nodes.registerType("bench-echo", function (this: RuntimeNode, def: FlowNode) {
      echoApi.nodes.createNode(this, def);
      this.on("input", (msg, send, done) => {
        send(msg);
        done();
      });
    });
    return bench;
  }

  get version(): string {
    return this.red.version();
  }

  /** Messages reaching a bench-sink node go to `handler` with the sink's channel. */
  onSink(handler: SinkHandler): void {
    this.handler = handler;
  }

  /** A full deploy of `nodes` on one tab; resolves once the flows have started. */
  async deploy(nodes: FlowNode[]): Promise<void> {
    for (const n of nodes) {
      const why = this.unavailable.get(n.type);
      if (why !== undefined) throw new Error(`${n.type} could not be loaded: ${why}`);
    }
    let timer: NodeJS.Timeout | undefined;
    let onStarted: (() => void) | undefined;
    const started = new Promise<void>((resolve, reject) => {
      onStarted = () => resolve();
      this.red.events.once("flows:started", onStarted);
      timer = setTimeout(
        () => reject(new Error(`flows did not start within ${DEPLOY_TIMEOUT_MS / 1000} s`)),
        DEPLOY_TIMEOUT_MS,
      );
    });
    try {
      // Without a position the runtime takes a node on a tab for a config node (flows/util.js parseConfig).
      const placed = nodes.map((n, k) => (n.z === undefined ? n : { x: 100 + 200 * k, y: 100, ...n }));
      await this.red.nodes.setFlows([{ id: TAB, type: "tab", label: "bench" }, ...placed], null, "full");
      await started;
    } finally {
      clearTimeout(timer);
      if (onStarted) this.red.events.off("flows:started", onStarted);
    }
  }

  node(id: string): RuntimeNode {
    const node = this.red.nodes.getNode(id);
    if (!node) throw new Error(`node ${id} is not deployed`);
    return node;
  }

  async stop(): Promise<void> {
    await this.deploy([]);
    await this.red.stop();
    rmSync(this.userDir, { recursive: true, force: true });
  }
}
