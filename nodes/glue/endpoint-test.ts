import { toSanteError, type SanteErrorCode } from "../../lib/errors";
import { probeMllpReceiver, type MllpProbe } from "../../lib/mllp";
import { readSenderOptions } from "../../lib/mllp/sender-settings";
import type { NodeAPI } from "./node-red-types";
import { registerFormTest } from "./test-connection";
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
  registerFormTest<EndpointTestReply>(RED, ENDPOINT_TEST_PATH, "sante-hl7-endpoint.write", (form) => {
    const probing = probeMllpReceiver({ ...readSenderOptions(form), tls: tlsOptionsFrom(RED, form.tls) });
    return () => probing.then(reached(RED), failed);
  });
}

function reached(RED: NodeAPI): (probe: MllpProbe) => EndpointTestReply {
  return (probe) => ({
    ok: true,
    message: RED._(probe.tlsProtocol ? "sante-hl7-endpoint.test.reached-tls" : "sante-hl7-endpoint.test.reached", {
      address: probe.address,
      protocol: probe.tlsProtocol ?? "",
    }),
  });
}

function failed(err: unknown): EndpointTestReply {
  const error = toSanteError(err, "SANTE_CONNECTION");
  return { ok: false, code: error.code, message: error.message };
}
