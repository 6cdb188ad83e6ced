/** MLLP, the transport of HL7 v2 over TCP: framing, a listener (server) and a sender (client), without Node-RED. */
export * from "./framing";
