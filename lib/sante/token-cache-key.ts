/**
 * Names for cached tokens. A study's token is the same for every config node
 * that talks to the same PACS, so caches are keyed by the PACS's HL7 address,
 * not by node id.
 */

/** The root key of the token cache in global context: `santeTokens["<host>:<port>"]["<study uid>"]`. */
const CONTEXT_ROOT = "santeTokens";

/**
 * Context keys are property expressions: "1.2.3" would mean three nested
 * objects. Inside `["…"]` dots are plain characters; anything that could end
 * the quoted segment (a quote, a backslash, a bracket) or confuse a reader is
 * percent-encoded, so a rogue UID from a PACS reply cannot address another key.
 * Study UIDs (digits and dots) and ordinary host names pass unchanged.
 */
function keySegment(text: string): string {
  return text.replace(/[^A-Za-z0-9._:~-]/g, (c) =>
    Array.from(Buffer.from(c, "utf8"), (b) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`).join(""),
  );
}

/** One PACS: "host:port", the host lower-cased because host names are not case-sensitive. */
export function pacsKey(host: string, port: number): string {
  return keySegment(`${host.trim().toLowerCase()}:${port}`);
}

/** The context key of one PACS's tokens (an object: study UID → token). */
export function pacsContextKey(pacs: string): string {
  return `${CONTEXT_ROOT}["${pacs}"]`;
}

/** The context key of one study's token at one PACS. */
export function tokenContextKey(pacs: string, studyInstanceUid: string): string {
  return `${pacsContextKey(pacs)}["${keySegment(studyInstanceUid)}"]`;
}
