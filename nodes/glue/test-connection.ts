import { maskToken, SanteClient, validateStudyInstanceUid, type SanteErrorCode } from "../../lib/sante";
import type { AdminRequest, AdminResponse, NodeAPI } from "./node-red-types";
import { toSanteError } from "../../lib/errors";
import { readClientOptions } from "../../lib/sante/server-settings";
import { tlsOptionsFrom } from "./tls-options";

/** What the editor's "Test connection" button gets back. Never a whole token. */
export interface TestConnectionReply {
  ok: boolean;
  code?: SanteErrorCode;
  message: string;
  tokenPreview?: string;
}

const TEST_CONNECTION_PATH = "/sante-pacs-server/test";

/**
 * POST /sante-pacs-server/test with the config dialog's values (deployed or
 * not): one study lookup with a throw-away client that is closed afterwards.
 * 400 when the form values are invalid; otherwise 200 with the outcome.
 */
export function registerTestConnection(RED: NodeAPI): void {
  RED.httpAdmin.post(TEST_CONNECTION_PATH, RED.auth.needsPermission("sante-pacs-server.write"), (req, res, next) => {
    answer(RED, req, res).catch(next);
  });
}

async function answer(RED: NodeAPI, req: AdminRequest, res: AdminResponse): Promise<void> {
  let client: SanteClient;
  let uid: string;
  try {
    const body = req.body;
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw toSanteError(new Error("the request body must be a JSON object"));
    }
    const form = withEnvironment(body as Record<string, unknown>);
    uid = validateStudyInstanceUid(form.studyInstanceUid);
    const options = readClientOptions({ ...form, connections: 1 });
    // No retries and no cache: the button must show what the PACS says now.
    client = new SanteClient({ ...options, tls: tlsOptionsFrom(RED, form.tls), retries: 0, cacheSize: 0 });
  } catch (err) {
    const error = toSanteError(err);
    res.status(400).json({ ok: false, code: error.code, message: error.message } satisfies TestConnectionReply);
    return;
  }
  const reply = await lookup(RED, client, uid);
  res.status(200).json(reply);
}

async function lookup(RED: NodeAPI, client: SanteClient, uid: string): Promise<TestConnectionReply> {
  try {
    const token = await client.studyToken(uid);
    return {
      ok: true,
      message: RED._("sante-pacs-server.test.found", { address: client.address }),
      tokenPreview: maskToken(token),
    };
  } catch (err) {
    const error = toSanteError(err, "SANTE_PROTOCOL");
    return { ok: false, code: error.code, message: error.message };
  } finally {
    await client.close();
  }
}

/**
 * The dialog sends fields as typed, so `${PACS_HOST}` arrives unresolved; a
 * deployed node would get the environment's value from Node-RED, so use it here too.
 */
export function withEnvironment(form: Record<string, unknown>): Record<string, unknown> {
  const resolved: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(form)) {
    const name = typeof value === "string" ? /^\$\{(\S+)\}$|^\$\((\S+)\)$/.exec(value.trim()) : null;
    const fromEnv = name ? process.env[name[1] ?? name[2]] : undefined;
    resolved[key] = fromEnv ?? value;
  }
  return resolved;
}
