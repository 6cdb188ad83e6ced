import { SanteError } from ".";

export const DEFAULT_LINK_TEXT = "Open this study";
export const DEFAULT_VIEWER_PATH = "C:\\Program Files\\Santesoft\\Sante DICOM Web Viewer\\Sante DICOM Web Viewer.exe";

export interface LinkOptions {
  /** The viewer link for one token (the config node's web host, port and ssl). */
  urlFor(token: string): string;
  linkText: string;
  viewerPath: string;
}

export interface Links {
  /** The URL, or for an array input the same objects each with `url` added. */
  payload: string | Array<Record<string, unknown>>;
  /** An <a> element, or a <ul> of them for an array. */
  html: string;
  /** The vendor's "direct call": the quoted viewer path and the quoted URL (one per study for an array). */
  command: string | string[];
}

/**
 * Viewer links for what the lookup nodes emit: a token string, a
 * { studyInstanceUid, token } object, or an array of those. Throws
 * SANTE_INVALID_INPUT for anything else.
 */
export function buildLinks(input: unknown, options: LinkOptions): Links {
  if (Array.isArray(input)) {
    const items = input.map((item, index) => {
      const entry = typeof item === "string" ? { token: item } : asEntry(item, `element ${index}`);
      return { ...entry, url: options.urlFor(entry.token) };
    });
    const html = items.map((item) => `<li>${anchor(item.url, options.linkText)}${uidNote(item.studyInstanceUid)}</li>`);
    return {
      payload: items,
      html: `<ul>${html.join("")}</ul>`,
      command: items.map((item) => commandLine(options.viewerPath, item.url)),
    };
  }
  const token = typeof input === "string" ? input : asEntry(input, "the input").token;
  const url = options.urlFor(token);
  return { payload: url, html: anchor(url, options.linkText), command: commandLine(options.viewerPath, url) };
}

/** Windows paths cannot hold a double quote, and one would break the quoting of the command line. */
export function checkViewerPath(path: string): string {
  if (path.includes('"'))
    throw new SanteError("SANTE_INVALID_INPUT", "The viewer path must not contain a double quote");
  return path;
}

function asEntry(
  value: unknown,
  where: string,
): { token: string; studyInstanceUid?: unknown } & Record<string, unknown> {
  if (typeof value === "object" && value !== null && typeof (value as { token?: unknown }).token === "string") {
    return value as { token: string } & Record<string, unknown>;
  }
  const got = value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
  throw new SanteError(
    "SANTE_INVALID_INPUT",
    `A viewer link needs a token string, a { studyInstanceUid, token } object or an array of them; ${where} is ${got === "object" ? "an object without a token string" : got}`,
  );
}

function anchor(url: string, text: string): string {
  return `<a href="${escapeHtml(url)}">${escapeHtml(text)}</a>`;
}

function uidNote(uid: unknown): string {
  return typeof uid === "string" && uid !== "" ? ` <span class="sante-study-uid">${escapeHtml(uid)}</span>` : "";
}

function commandLine(viewerPath: string, url: string): string {
  return `"${viewerPath}" "${url}"`;
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}
