/** Byte values of the Sante HL7-port protocol (vendor document: 10H … 0DH). */
export const DLE = 0x10;
export const CR = 0x0d;
export const LF = 0x0a;

/** A reply larger than this is refused rather than buffered without bound. */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;
