/**
 * A scorecard in node-red-dev's terms: one entry per check id (P01…D03), printed the way `node-red-dev validate`
 * prints it, and written as the same JSON (`{ "P01": { "test": true, … } }`) with --output.
 */
export type Status = "pass" | "fail" | "skip";

export interface CheckResult {
  id: string;
  status: Status;
  /** What was found, in node-red-dev's wording where it has one. */
  message: string;
  /** Warnings that do not fail the check (node-red-dev prints them too). */
  warnings?: string[];
  /** The part of a passing check that only an online run can do (e.g. N01's flow catalogue lookup). */
  online?: string;
  /** Extra fields for the JSON scorecard, as node-red-dev records them (license, versions, nodes, total, packages). */
  data?: Record<string, unknown>;
}

export const SECTIONS: { title: string; ids: string[] }[] = [
  { title: "Package", ids: ["P01", "P03", "P04", "P05", "P06", "P07", "P08"] },
  { title: "Nodes", ids: ["N01", "N02"] },
  { title: "Dependencies", ids: ["D01", "D02", "D03"] },
];

const MARK: Record<Status, string> = { pass: "✅", fail: "❌", skip: "⏭️ " };

export function printScorecard(name: string, results: CheckResult[], log: (line: string) => void): void {
  const byId = new Map(results.map((r) => [r.id, r]));
  for (const [i, section] of SECTIONS.entries()) {
    log(`    ---Validating ${section.title}---`);
    if (i === 0) log(`   ${name}`);
    for (const id of section.ids) {
      const result = byId.get(id);
      if (!result) continue;
      for (const warning of result.warnings ?? []) log(` ›   Warning: ${id} ${warning}`);
      log(`${MARK[result.status]} ${id} ${result.message}`);
    }
  }
  const count = (s: Status) => results.filter((r) => r.status === s).map((r) => r.id);
  log("");
  log(
    `Scorecard: ${count("pass").length} passed, ${count("fail").length} failed, ${count("skip").length} not run offline`,
  );
  if (count("fail").length) log(`  failed: ${count("fail").join(", ")}`);
  const online = results.filter((r) => r.status === "skip" || r.online);
  if (online.length) log("  left to an online run:");
  for (const r of online) log(`    ${r.id}: ${r.status === "skip" ? r.message : r.online}`);
}

/** node-red-dev's scorecard.json shape; skipped checks carry `test: null` and the reason. */
export function scorecardJson(pkg: { name: string; version: string }, results: CheckResult[]): object {
  const card: Record<string, unknown> = { package: { name: pkg.name, version: pkg.version } };
  for (const r of results) {
    card[r.id] =
      r.status === "skip" ? { test: null, skipped: r.message, ...r.data } : { test: r.status === "pass", ...r.data };
  }
  return card;
}
