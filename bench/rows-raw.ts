import { patientId, patientReplyOf, poolToken, poolUid, studyReply, type PatientSize } from "./dataset";
import { RawClosePolicy, rawOnce, RawKeptOpenPool, type ReplyShape } from "./raw-client";
import { promised } from "./measure";
import type { BenchContext, Mode, RowSession, RowSpec } from "./row";

/** What one lookup sends and the exact reply it must get. */
export interface Ask {
  frame: Buffer;
  expected: Buffer;
  shape: ReplyShape;
}

export function askStudy(index: number): Ask {
  return {
    frame: Buffer.from(`\x10${poolUid(index)}\r`, "latin1"),
    expected: studyReply(poolToken(index)),
    shape: "study",
  };
}

export function askPatient(size: PatientSize, index: number): Ask {
  return {
    frame: Buffer.from(`\x10${patientId(size, index)}\r`, "latin1"),
    expected: patientReplyOf(size, index),
    shape: "patient",
  };
}

export function rawRowId(what: string, mode: Mode, inFlight: number): string {
  return `raw ${what} ${mode} ×${inFlight}`;
}

export function rawRow(what: string, mode: Mode, inFlight: number, ask: (index: number) => Ask): RowSpec {
  return {
    id: rawRowId(what, mode, inFlight),
    group: "raw",
    what,
    mode,
    inFlight,
    ours: false,
    open: async (ctx: BenchContext): Promise<RowSession> => {
      const port = ctx.sim.port;
      if (mode === "per-lookup") {
        return {
          lookup: promised(async (i) => {
            const a = ask(i);
            return (await rawOnce(port, a.frame, a.shape)).equals(a.expected);
          }),
          teardown: () => Promise.resolve(),
        };
      }
      const pool = await RawKeptOpenPool.open(port, inFlight);
      return {
        lookup: promised(async (i) => {
          const a = ask(i);
          return (await pool.request(a.frame, a.shape)).equals(a.expected);
        }),
        teardown: () => Promise.resolve(pool.close()),
      };
    },
  };
}

export function rawPolicyRowId(what: string, inFlight: number): string {
  return `raw ${what} per-lookup, pool's close policy ×${inFlight}`;
}

/**
 * Like with like: per-lookup as rawRow, but a slot is free only once its socket
 * has closed, as in our pool (the plain raw row frees it at the reply, so the
 * PACS may see up to twice as many sockets). The gap between the two raw rows
 * is what the policy costs.
 */
export function rawPolicyRow(what: string, inFlight: number, ask: (index: number) => Ask): RowSpec {
  return {
    id: rawPolicyRowId(what, inFlight),
    group: "raw",
    what: `${what}, pool's close policy`,
    mode: "per-lookup",
    inFlight,
    ours: false,
    baseline: rawRowId(what, "per-lookup", inFlight),
    open: (ctx: BenchContext): Promise<RowSession> => {
      const policy = new RawClosePolicy(ctx.sim.port, inFlight);
      return Promise.resolve({
        lookup: promised(async (i) => {
          const a = ask(i);
          return (await policy.request(a.frame, a.shape)).equals(a.expected);
        }),
        teardown: () => Promise.resolve(),
      });
    },
  };
}
