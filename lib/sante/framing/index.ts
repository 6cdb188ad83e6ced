export * from "./constants";
export * from "./line-frame-decoder";
export * from "./single-line";
export * from "./study-list";
export * from "./frame-parser";
