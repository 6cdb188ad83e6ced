/**
 * An empty flows_cred.json, encrypted as Node-RED 4 does it
 * (@node-red/runtime lib/nodes/credentials.js encryptCredentials:
 * aes-256-ctr, key = SHA-256 of credentialSecret, "$" = hex IV + base64).
 * Without it, the first start with a credentialSecret logs the warning
 * "Encrypted credentials not found"; with it, the demo starts without one.
 */
import { createCipheriv, createHash, randomBytes } from "node:crypto";

export function encryptedCredentials(secret: string, credentials: object = {}): { $: string } {
  const key = createHash("sha256").update(secret).digest();
  const iv = randomBytes(16);
  const cipher = createCipheriv("aes-256-ctr", key, iv);
  const body = cipher.update(JSON.stringify(credentials), "utf8", "base64") + cipher.final("base64");
  return { $: iv.toString("hex") + body };
}
