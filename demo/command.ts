/** What the demo's small commands (send-hl7, images-arrive) share: their exit code, and the port option. */

/** Runs `main`: its number is the exit code; an error is printed as "name: message" and exits 1. */
export function runCommand(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(`${name}: ${(err as Error).message}`);
      process.exitCode = 1;
    },
  );
}

/** `--port` as a number from 1 to 65535; throws naming the option otherwise. */
export function portOption(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--port must be 1 to 65535, got ${text}`);
  return port;
}
