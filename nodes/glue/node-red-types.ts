/**
 * The few shapes of Node-RED's runtime API that our nodes use. `@types/node-red`
 * on npm describes Node-RED 1.x and pulls in express and more type packages, so
 * we declare only what we call, checked against Node-RED 4.1's source
 * (@node-red/registry lib/util.js createNodeApi, @node-red/runtime lib/nodes/Node.js).
 */

/** A message flowing between nodes. */
export interface NodeMessage {
  _msgid?: string;
  payload?: unknown;
  [property: string]: unknown;
}

export type SendFunction = (msg: NodeMessage | Array<NodeMessage | NodeMessage[] | null>) => void;
/** Ends the handling of one message; with an error, Node-RED reports it to Catch nodes as msg.error. */
export type DoneFunction = (err?: Error) => void;

export interface NodeStatus {
  fill?: "red" | "green" | "yellow" | "blue" | "grey";
  shape?: "ring" | "dot";
  text?: string;
}

/** A node's properties as saved by the editor: strings, numbers and booleans as the editor stored them. */
export interface NodeDef {
  id: string;
  type: string;
  name?: string;
  z?: string;
  [property: string]: unknown;
}

/** The runtime node object that Node-RED makes `this` inside a node's constructor. */
export interface Node {
  readonly id: string;
  readonly type: string;
  name?: string;
  on(event: "input", listener: (msg: NodeMessage, send: SendFunction, done: DoneFunction) => void): void;
  /** The listener's arity tells Node-RED whether it waits for `done`; (removed, done) is the form we use. */
  on(event: "close", listener: (removed: boolean, done: () => void) => void): void;
  status(status: NodeStatus): void;
  /** Sends outside of an input handler (a message that waited comes out later); the `send` an input listener gets only calls this. */
  send(msg: NodeMessage | Array<NodeMessage | NodeMessage[] | null>): void;
  error(err: unknown, msg?: NodeMessage): void;
  warn(message: unknown): void;
  log(message: unknown): void;
}

export interface AdminRequest {
  body?: unknown;
  /** Route parameters (`:id`), as express parses them. */
  params?: Record<string, string | undefined>;
  /** The query string, as express parses it (a repeated key gives an array). */
  query?: Record<string, unknown>;
}

export interface AdminResponse {
  status(code: number): AdminResponse;
  json(body: unknown): void;
}

export type AdminHandler = (req: AdminRequest, res: AdminResponse, next: (err?: unknown) => void) => void;

/** The core `tls-config` node, as far as we use it. */
export interface TlsConfigNode {
  addTLSOptions(options: Record<string, unknown>): Record<string, unknown>;
}

export interface NodeAPI {
  nodes: {
    createNode(node: Node, def: NodeDef): void;
    /** N: the node's own shape, when it offers more than Node (as config nodes do to the nodes using them). */
    registerType<N extends Node>(type: string, constructor: (this: N, def: NodeDef) => void, options?: object): void;
    getNode(id: string): unknown;
  };
  util: {
    evaluateNodeProperty(
      value: string,
      type: string,
      node: Node,
      msg: NodeMessage,
      callback: (err: Error | null, result: unknown) => void,
    ): void;
    setMessageProperty(msg: NodeMessage, property: string, value: unknown, createMissing?: boolean): boolean;
    /** Throws for a property expression that cannot be parsed or a path through something missing (a.b without a); undefined when only the last part is missing. */
    getMessageProperty(msg: NodeMessage, property: string): unknown;
    cloneMessage<T extends NodeMessage>(msg: T): T;
    generateId(): string;
  };
  httpAdmin: {
    post(path: string, ...handlers: AdminHandler[]): void;
    get(path: string, ...handlers: AdminHandler[]): void;
  };
  auth: {
    needsPermission(permission: string): AdminHandler;
  };
  /** Translates a key of the calling node set's message catalog; `__name__` placeholders take `substitutions`. */
  _(key: string, substitutions?: Record<string, string | number>): string;
}
