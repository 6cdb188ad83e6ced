/** MLLP, the transport of HL7 v2 over TCP: framing, a listener (server) and a sender (client), without Node-RED. */
export * from "./framing";
export { AllowList, normalizeAddress } from "./allow-list";
export { MLLP_SERVER_DEFAULTS, MLLP_SERVER_LIMITS, type MllpServerOptions } from "./server-options";
export { MllpReceived, type MllpPeer, type MllpReplyOptions } from "./received";
export type { MllpDisconnect, MllpDisconnectReason } from "./server-connection";
export { MllpServer, type MllpServerEvents, type MllpRefusal } from "./server";
export { Hl7AckError, type MllpAck } from "./ack";
export { MLLP_CLIENT_DEFAULTS, MLLP_CLIENT_LIMITS, type MllpClientOptions } from "./client-options";
export { MllpClient, type MllpClientEvents, type MllpSendOptions } from "./client";
export { probeMllpReceiver, type MllpProbe } from "./probe";
