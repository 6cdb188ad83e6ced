/**
 * One cell of the compatibility run: the project's mocha, on the cell's Node.js binary, over compiled test files,
 * with SANTE_NODE_RED naming the cell's Node-RED (test/helpers/nr-runtime.ts reads it). Mocha's JSON reporter
 * writes the counts to a file; everything the tests print goes to a log file beside it.
 */
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, readFileSync, rmSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";

export interface MochaJob {
  root: string;
  nodeBin: string;
  /** The node-red package folder the tests load (SANTE_NODE_RED); none for the lib suites. */
  nodeRedDir: string | undefined;
  files: string[];
  /** Where the output goes: <base>.log (what the tests printed) and <base>.json (mocha's report). */
  outputBase: string;
  /** Past this the job's process group is killed and the cell fails. */
  timeoutMs: number;
}

export interface Failure {
  title: string;
  message: string;
}

export interface JobResult {
  passed: number;
  failed: number;
  pending: number;
  seconds: number;
  failures: Failure[];
  logFile: string;
}

interface MochaReport {
  stats: { passes: number; failures: number; pending: number };
  failures: Array<{ fullTitle: string; err: { message?: string; stack?: string } }>;
}

/** Process groups of the cells running now: each cell is its own group (see below), which a Ctrl-C does not reach. */
const running = new Set<number>();

/** Ends every running cell with everything it started (for the run's own SIGINT/SIGTERM). */
export function stopAllJobs(signal: NodeJS.Signals): void {
  for (const pid of running) {
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  }
}

export async function runMochaJob(job: MochaJob): Promise<JobResult> {
  const logFile = `${job.outputBase}.log`;
  const jsonFile = `${job.outputBase}.json`;
  rmSync(jsonFile, { force: true });
  const started = Date.now();
  const mocha = join(job.root, "node_modules", "mocha", "bin", "mocha.js");
  const args = [mocha, "--reporter", "json", "--reporter-option", `output=${jsonFile}`, ...job.files];
  const log = createWriteStream(logFile);
  const child = spawn(job.nodeBin, args, {
    cwd: job.root,
    env: {
      ...process.env,
      ...(job.nodeRedDir ? { SANTE_NODE_RED: job.nodeRedDir } : {}),
      // Anything a test starts as `node` is this cell's Node.js too.
      PATH: `${dirname(job.nodeBin)}${delimiter}${process.env.PATH ?? ""}`,
    },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so that a hung cell is stopped with everything it started.
    detached: true,
  });
  if (child.pid !== undefined) running.add(child.pid);
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
  }, job.timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once("close", (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  if (child.pid !== undefined) running.delete(child.pid);
  await new Promise<void>((resolve) => log.end(() => resolve()));
  const seconds = (Date.now() - started) / 1000;

  if (!existsSync(jsonFile)) {
    const why = timedOut ? `no result within ${job.timeoutMs / 1000} s` : `mocha exited with ${code} and no report`;
    return { passed: 0, failed: 1, pending: 0, seconds, logFile, failures: [{ title: "(the run)", message: why }] };
  }
  const report = JSON.parse(readFileSync(jsonFile, "utf8")) as MochaReport;
  const failures = report.failures.map((f) => ({
    title: f.fullTitle,
    message: (f.err.stack ?? f.err.message ?? "").split("\n").slice(0, 12).join("\n"),
  }));
  // A crash after the last test (an unhandled rejection, a handle that keeps the process alive) fails the cell too.
  const runFailed = timedOut || (code !== 0 && failures.length === 0);
  if (runFailed) {
    const why = timedOut ? `killed after ${job.timeoutMs / 1000} s` : `mocha exited with ${code}`;
    failures.push({ title: "(the run)", message: why });
  }
  return {
    passed: report.stats.passes,
    failed: report.stats.failures + (runFailed ? 1 : 0),
    pending: report.stats.pending,
    seconds,
    failures,
    logFile,
  };
}
