import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface SelfSigned {
  key: Buffer;
  cert: Buffer;
}

/**
 * A certificate for localhost and 127.0.0.1, made for this run with openssl (as test/nodes-tls.test.ts
 * does); undefined when openssl is missing, so the caller can skip.
 */
export function selfSigned(commonName = "localhost"): SelfSigned | undefined {
  const dir = mkdtempSync(join(tmpdir(), "sante-mllp-tls-"));
  try {
    const made = spawnSync("openssl", [
      ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", `/CN=${commonName}`],
      ...["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
      ...["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")],
    ]);
    if (made.status !== 0) return undefined;
    return { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
