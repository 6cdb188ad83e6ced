/**
 * CRC-32 (IEEE 802.3, as zlib and gzip compute it) for the wait journal's
 * record checksums. zlib.crc32 is native but arrived in Node 20.15 and 22.2;
 * on older Node the table-driven version below gives the same values.
 */
import * as zlib from "node:zlib";

type Crc32 = (data: Uint8Array, initial?: number) => number;

let table: Int32Array | undefined;

function makeTable(): Int32Array {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
}

/** The portable version; exported so that tests can check it against zlib's. */
export function crc32Portable(data: Uint8Array, initial = 0): number {
  const t = (table ??= makeTable());
  let crc = ~initial;
  for (let i = 0; i < data.length; i++) crc = t[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}

const native = (zlib as { crc32?: Crc32 }).crc32;

export const crc32: Crc32 = typeof native === "function" ? native : crc32Portable;
