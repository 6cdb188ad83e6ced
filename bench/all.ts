/**
 * `npm run bench`: the lookup rows (run.js), then the waits in the nodes
 * (wait-nodes.js), each in a process of its own. npm appends its arguments
 * to the script's last command only, so they come here: all of them go to
 * run.js, and --markdown to wait-nodes.js too.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";

function run(script: string, args: string[]): void {
  const result = spawnSync(process.execPath, [path.join(__dirname, script), ...args], { stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const args = process.argv.slice(2);
run("run.js", args);
run("wait-nodes.js", args.includes("--markdown") ? ["--markdown"] : []);
