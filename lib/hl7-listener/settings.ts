import { MLLP_SERVER_DEFAULTS } from "../mllp";
import { readBoolean, readChoice, readNumber, readText } from "../util/settings";
import { ACK_MODES, HL7_LISTENER_DEFAULTS, TIMEOUT_ACKS, type Hl7ListenerOptions } from "./options";

/**
 * The listener options of an `hl7 in` node as the editor saves them (numbers as strings, `$(ENV)` already
 * replaced by Node-RED; empty means the default). TLS is added by the caller, which can see the tls-config
 * node. Ranges are checked by the listener itself.
 */
export function readListenerOptions(def: Record<string, unknown>): Hl7ListenerOptions {
  const number = (name: keyof typeof MLLP_SERVER_DEFAULTS | keyof typeof HL7_LISTENER_DEFAULTS, fallback: number) =>
    readNumber(def[name], name, fallback);
  return {
    port: number("port", MLLP_SERVER_DEFAULTS.port),
    host: readText(def.host, "host", MLLP_SERVER_DEFAULTS.host),
    allow: readText(def.allow, "allow", MLLP_SERVER_DEFAULTS.allow),
    maxConnections: number("maxConnections", MLLP_SERVER_DEFAULTS.maxConnections),
    idleTimeout: number("idleTimeout", MLLP_SERVER_DEFAULTS.idleTimeout),
    maxMessageBytes: number("maxMessageBytes", MLLP_SERVER_DEFAULTS.maxMessageBytes),
    ackMode: readChoice(def.ackMode, "ackMode", ACK_MODES, HL7_LISTENER_DEFAULTS.ackMode),
    replyTimeout: number("replyTimeout", HL7_LISTENER_DEFAULTS.replyTimeout),
    timeoutAck: readChoice(def.timeoutAck, "timeoutAck", TIMEOUT_ACKS, HL7_LISTENER_DEFAULTS.timeoutAck),
    duplicates: readBoolean(def.duplicates, "duplicates", HL7_LISTENER_DEFAULTS.duplicates),
    duplicateWindow: number("duplicateWindow", HL7_LISTENER_DEFAULTS.duplicateWindow),
  };
}
