/**
 * Benchmarks that take each measurement in a fresh process (so one's memory and caches do not colour another's) run
 * their own script again as a child: `node <script> --child <args…>`, which prints its result as JSON on the last
 * line of its standard output.
 */
import { spawn } from "node:child_process";

/** Runs `script --child …args` with a GC the child can call and a 1 GiB heap; resolves with its result. */
export function runChild<T>(script: string, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["--expose-gc", "--max-old-space-size=1024", script, "--child", ...args], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    proc.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    proc.once("error", reject);
    proc.once("exit", (code) => {
      if (code !== 0) return reject(new Error(`${args.join(" ")}: exited ${code}`));
      resolve(JSON.parse(out.trim().split("\n").pop() ?? "null") as T);
    });
  });
}

/** A benchmark script's entry: as a child, runs `child` with the arguments after --child and prints its result; else `main`. */
export function benchEntry(main: () => Promise<void>, child: (args: string[]) => Promise<unknown>): void {
  const fail = (err: Error) => {
    console.error(err.stack ?? err.message);
    process.exit(1);
  };
  if (process.argv[2] === "--child") {
    child(process.argv.slice(3))
      .then((result) => console.log(JSON.stringify(result)))
      .catch(fail);
  } else {
    main().catch(fail);
  }
}
