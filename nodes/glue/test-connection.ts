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
  registerFormTest<TestConnectionReply>(RED, TEST_CONNECTION_PATH, "sante-pacs-server.write", (form) => {
    const uid = validateStudyInstanceUid(form.studyInstanceUid);
    const options = readClientOptions({ ...form, connections: 1 });
    // No retries and no cache: the button must show what the PACS says now.
    const client = new SanteClient({ ...options, tls: tlsOptionsFrom(RED, form.tls), retries: 0, cacheSize: 0 });
    return () => lookup(RED, client, uid);
  });
}

/** What a dialog's test button gets for form values that are refused (answered 400). */
interface RefusedForm {
  ok: false;
  code: SanteErrorCode;
  message: string;
}

/**
 * An admin endpoint for a config dialog's test button: the body is the dialog's form (a JSON object, its
 * `${ENV}` values resolved as a deployed node would have them). `start` reads the form and throws for values
 * a node would refuse (400, with the error's code and message), or gives the test to run (200 with its reply).
 */
export function registerFormTest<Reply>(
  RED: NodeAPI,
  path: string,
  permission: string,
  start: (form: Record<string, unknown>) => () => Promise<Reply>,
): void {
  RED.httpAdmin.post(path, RED.auth.needsPermission(permission), (req, res, next) => {
    answer(req, res, start).catch(next);
  });
}

async function answer<Reply>(
  req: AdminRequest,
  res: AdminResponse,
  start: (form: Record<string, unknown>) => () => Promise<Reply>,
): Promise<void> {
  let run: () => Promise<Reply>;
  try {
    const body = req.body;
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw toSanteError(new Error("the request body must be a JSON object"));
    }
    run = start(withEnvironment(body as Record<string, unknown>));
  } catch (err) {
    const error = toSanteError(err);
    res.status(400).json({ ok: false, code: error.code, message: error.message } satisfies RefusedForm);
    return;
  }
  res.status(200).json(await run());
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
function withEnvironment(form: Record<string, unknown>): Record<string, unknown> {
  const resolved: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(form)) {
    const name = typeof value === "string" ? /^\$\{(\S+)\}$|^\$\((\S+)\)$/.exec(value.trim()) : null;
    const fromEnv = name ? process.env[name[1] ?? name[2]] : undefined;
    resolved[key] = fromEnv ?? value;
  }
  return resolved;
}
