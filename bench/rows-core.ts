import { SanteClient } from "../lib/sante";
import { poolToken, poolUid } from "./dataset";
import { promised } from "./measure";
import type { BenchContext, Mode, RowSession, RowSpec } from "./row";
import { rawPolicyRowId, rawRowId } from "./rows-raw";

/** SanteClient alone, cache off: every lookup goes to the PACS. */
export function coreRow(mode: Mode, inFlight: number): RowSpec {
  return {
    id: `core study ${mode} ×${inFlight}`,
    group: "core",
    what: "study",
    mode,
    inFlight,
    ours: true,
    baseline: rawRowId("study", mode, inFlight),
    samePolicy: mode === "per-lookup" ? rawPolicyRowId("study", inFlight) : undefined,
    open: (ctx: BenchContext): Promise<RowSession> => {
      const client = new SanteClient({
        host: "127.0.0.1",
        port: ctx.sim.port,
        connections: inFlight,
        keepAlive: mode === "kept-open",
        cacheSize: 0,
      });
      return Promise.resolve({
        lookup: promised(async (i) => (await client.studyToken(poolUid(i))) === poolToken(i)),
        teardown: () => client.close(),
      });
    },
  };
}
