import * as crypto from "node:crypto";

/**
 * One-shot SHA-256 (Node.js 20.12 and 21.7+): for a message of a few hundred bytes it costs half of createHash's
 * object, update and digest. Older Node.js (the package supports 18) takes the streaming API.
 */
const sha256Base64: (text: string) => string =
  typeof crypto.hash === "function"
    ? (text) => crypto.hash("sha256", text, "base64")
    : (text) => crypto.createHash("sha256").update(text).digest("base64");

/**
 * What tells a resend from a new message: the same message again, sender (MSH-3, MSH-4), control ID (MSH-10) and
 * content alike, apart from MSH-7 (the time of the message, which some senders stamp again when they resend) and
 * the line ends after the last segment. Content counts too so that a sender whose control IDs start again (a
 * counter reset by a restart) is not taken for a resend: its new order reaches the flow instead of being
 * acknowledged unread. A digest, so that remembering a message costs 44 characters, not the message.
 */
export function resendKey(text: string): string {
  let end = text.length;
  while (end > 0 && (text[end - 1] === "\r" || text[end - 1] === "\n")) end--;
  const [from, to] = msh7(text);
  return sha256Base64(from < 0 ? text.slice(0, end) : text.slice(0, from) + text.slice(to, end));
}

/** Where MSH-7 starts and ends in `text`; [-1, -1] without an MSH or an MSH-7. */
function msh7(text: string): [number, number] {
  if (!text.startsWith("MSH") || text.length < 4) return [-1, -1];
  const separator = text[3];
  let fields = 0;
  let from = -1;
  for (let i = 3; i < text.length; i++) {
    const c = text[i];
    if (c === "\r" || c === "\n") return from < 0 ? [-1, -1] : [from, i];
    if (c !== separator) continue;
    fields++;
    // The separator at index 3 is MSH-1; the sixth one after it (counting it) opens MSH-7.
    if (fields === 6) from = i + 1;
    else if (fields === 7) return [from, i];
  }
  return from < 0 ? [-1, -1] : [from, text.length];
}
