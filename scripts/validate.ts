/**
 * `npm run validate`: the flow library's scorecard (node-red-dev validate, P01–P08, N01–N02, D01–D03) for this
 * package as npm would publish it. node-red-dev itself cannot run here: it needs catalogue.nodered.org, and one
 * failed request ends its whole run. So the checks are redone from its source, offline where they can be; the npm
 * registry is used where a check needs it (P06, P07, D03), with the installed node-red as the offline answer for P06
 * and P07. P08 and N01's catalogue lookup are left to an online run.
 *
 * Usage: node dist/scripts/validate.js [--path <package dir>] [--output <scorecard.json>] [--offline]
 * Exits 1 when a check fails.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { checkBadPackages, checkDependencyCount, checkLatest, productionTree } from "./validate-deps";
import { checkExamples, checkUniqueNames, coreNodeTypes, nodeDefinitions } from "./validate-nodes";
import { checkPackage, type NodeRedReleases } from "./validate-package";
import { packedPackage } from "./validate-packed";
import { fromRegistry } from "./validate-registry";
import { printScorecard, scorecardJson, type CheckResult } from "./validate-scorecard";

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** node-red-dev's "current" Node-RED versions: those tagged latest or *maintenance* on npm. */
function nodeRedReleases(offline: boolean): NodeRedReleases {
  const registry = offline ? undefined : fromRegistry("node-red");
  if (registry) {
    return {
      current: Object.entries(registry.distTags)
        .filter(([tag]) => /.*maintenance.*|^latest$/.test(tag))
        .map(([, version]) => version),
      latestNodeEngines: registry.latestEngines.node,
      source: "npm registry",
    };
  }
  const installed = JSON.parse(readFileSync(require.resolve("node-red/package.json"), "utf8")) as {
    version: string;
    engines?: { node?: string };
  };
  return {
    current: [installed.version],
    latestNodeEngines: installed.engines?.node,
    source: `offline: installed node-red ${installed.version}`,
  };
}

function main(): void {
  const root = resolve(option("--path") ?? join(__dirname, "..", ".."));
  const offline = process.argv.includes("--offline");
  const packed = packedPackage(root);
  const { definitions, errors } = nodeDefinitions(packed);
  const results: CheckResult[] = [
    ...checkPackage(packed.pkg, nodeRedReleases(offline)),
    checkUniqueNames(definitions, errors, coreNodeTypes()),
    checkExamples(definitions, packed),
    checkDependencyCount(packed.pkg),
    checkBadPackages(productionTree(root)),
    checkLatest(packed.pkg, root, (name) => (offline ? undefined : fromRegistry(name))),
  ];
  printScorecard(`${packed.pkg.name}@${packed.pkg.version}`, results, (line) => console.log(line));
  const output = option("--output");
  if (output) {
    writeFileSync(resolve(output), `${JSON.stringify(scorecardJson(packed.pkg, results), null, 2)}\n`);
    console.log(`Scorecard written to ${resolve(output)}`);
  }
  process.exitCode = results.some((r) => r.status === "fail") ? 1 : 0;
}

main();
