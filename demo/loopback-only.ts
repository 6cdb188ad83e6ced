/**
 * The demo promises to listen on loopback only, but the core `tcp in` node
 * has no bind-address option: it calls server.listen(port) and so listens on
 * every interface. Inside the demo process only, a listen() that names no
 * host is given one. Users' own Node-RED is not affected (the flow comments
 * tell them to firewall their MLLP ports).
 */
import { Server } from "node:net";

let installed: string | undefined;

export function bindHostlessListenersTo(host: string): void {
  if (installed !== undefined) {
    if (installed !== host) throw new Error(`listen() is already bound to ${installed}`);
    return;
  }
  installed = host;
  // The overloads of listen() cannot be spelled as one signature; the arguments are passed on as they came.
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with .apply(this)
  const original = Server.prototype.listen as (this: Server, ...args: unknown[]) => Server;
  Server.prototype.listen = function listen(this: Server, ...args: unknown[]): Server {
    return original.apply(this, withHost(args, host));
  } as typeof Server.prototype.listen;
}

function withHost(args: unknown[], host: string): unknown[] {
  const [first, second] = args;
  if (first === undefined || typeof first === "function") return [0, host, ...args.slice(first === undefined ? 1 : 0)];
  if (typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first))) {
    return typeof second === "string" ? args : [first, host, ...args.slice(1)];
  }
  if (typeof first === "object" && first !== null) {
    const options = first as Record<string, unknown>;
    const hostless = options.host === undefined && options.path === undefined && options.fd === undefined;
    if (hostless && !("_handle" in options)) return [{ ...options, host }, ...args.slice(1)];
  }
  return args;
}
