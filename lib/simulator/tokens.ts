import { createHash } from "node:crypto";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const DERIVED_TOKEN_LENGTH = 64;
// Bytes at or above 248 (= 4 × 62) are skipped so that every character is equally likely.
const UNBIASED_LIMIT = 248;
// Changing this changes every derived token, which integrators may have stored: don't.
const DOMAIN = "sante-pacs-simulator/token/v1:";

/**
 * A token for a study that has none in the data: 64 characters of
 * [A-Za-z0-9] like the vendor's, the same for the same UID in every run
 * (the real PACS's tokens are permanent, so stored ones must keep working).
 */
export function deriveToken(studyInstanceUid: string): string {
  // SHAKE256 gives as many bytes as asked; 96 almost always leave 64 usable ones.
  for (let bytes = 96; ; bytes *= 2) {
    const digest = createHash("shake256", { outputLength: bytes })
      .update(DOMAIN + studyInstanceUid, "utf8")
      .digest();
    let token = "";
    for (const b of digest) {
      if (b >= UNBIASED_LIMIT) continue;
      token += ALPHABET[b % ALPHABET.length];
      if (token.length === DERIVED_TOKEN_LENGTH) return token;
    }
  }
}
