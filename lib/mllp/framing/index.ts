export * from "./constants";
export * from "./faults";
export * from "./decoder";
export * from "./encoder";
export * from "./parser";
