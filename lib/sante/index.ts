export * from "../errors";
export * from "./framing";
export * from "./validate";
export * from "./viewer-url";
export * from "./client-options";
export * from "./token-store";
export { SanteClient, type StudyLookup, type PatientLookup, type SanteClientEvents } from "./client";
