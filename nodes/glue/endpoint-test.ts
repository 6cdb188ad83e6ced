import { toSanteError, type SanteErrorCode } from "../../lib/errors";
import { probeMllpReceiver, type MllpProbe } from "../../lib/mllp";
import { readSenderOptions } from "../../lib/mllp/sender-settings";
import type { AdminRequest, AdminResponse, NodeAPI } from "./node-red-types";
import { withEnvironment } from "./test-connection";
import { tlsOptionsFrom } from "./tls-options";

/** What the endpoint dialog's "Test connection" button gets back. */
export interface EndpointTestReply {
  ok: boolean;
  code?: SanteErrorCode;
  message: string;
}

const ENDPOINT_TEST_PATH = "/sante-hl7-endpoint/test";

/**
 * POST /sante-hl7-endpoint/test with the dialog's values (deployed or not): connects, with TLS completes the
 * handshake, and closes. It sends no HL7 message: the receiver is often a production HIS, where a test message
 * would be filed as real. 400 when the form values are invalid; otherwise 200 with the outcome.
 */
export function registerEndpointTest(RED: NodeAPI): void {
  RED.httpAdmin.post(ENDPOINT_TEST_PATH, RED.auth.needsPermission("sante-hl7-endpoint.write"), (req, res, next) => {
    answer(RED, req, res).catch(next);
  });
}

async function answer(RED: NodeAPI, req: AdminRequest, res: AdminResponse): Promise<void> {
  let probing: Promise<MllpProbe>;
  try {
    const body = req.body;
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw toSanteError(new Error("the request body must be a JSON object"));
    }
    const form = withEnvironment(body as Record<string, unknown>);
    probing = probeMllpReceiver({ ...readSenderOptions(form), tls: tlsOptionsFrom(RED, form.tls) });
  } catch (err) {
    const error = toSanteError(err);
    res.status(400).json({ ok: false, code: error.code, message: error.message } satisfies EndpointTestReply);
    return;
  }
  const reply: EndpointTestReply = await probing.then(
    (probe) => ({
      ok: true,
      message: RED._(probe.tlsProtocol ? "sante-hl7-endpoint.test.reached-tls" : "sante-hl7-endpoint.test.reached", {
        address: probe.address,
        protocol: probe.tlsProtocol ?? "",
      }),
    }),
    (err: unknown) => {
      const error = toSanteError(err, "SANTE_CONNECTION");
      return { ok: false, code: error.code, message: error.message };
    },
  );
  res.status(200).json(reply);
}
