export * from "./errors";
export * from "./framing";
export * from "./validate";
export * from "./viewer-url";
export * from "./client-options";
export { SanteClient } from "./client";
