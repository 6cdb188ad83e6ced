/**
 * `sante-hl7-result`: builds the HL7 message that carries a study's viewer link back to the HIS (by default an
 * IHE RAD-128 ORU^R01, see lib/hl7/result.ts) from the order, msg.sante.studyInstanceUid and the link, into
 * msg.payload. Everything else on the message passes through, msg.hl7 above all: the reply node still answers
 * the order after `sante-hl7-send`. No network.
 */
import { SanteError, toSanteError } from "../lib/errors";
import { buildResultMessage, readHl7, type ResultMessageOptions } from "../lib/hl7";
import { readResultOptions, RESULT_NODE_DEFAULTS } from "../lib/hl7/result-settings";
import { describeProperty, INPUT_DEFAULT, readPropertySpec } from "./glue/input-property";
import { setupMessageNode } from "./glue/message-node";
import type { Node, NodeAPI, NodeDef, NodeMessage } from "./glue/node-red-types";
import { messageReader, msgProperty, typeName } from "./glue/output-property";
import { translator } from "./glue/translate";

/** The node's own settings, in the place of a config node: the options, or why they are invalid. */
interface Settings {
  options?: ResultMessageOptions;
  problem?: SanteError;
}

export = function register(RED: NodeAPI): void {
  function SanteHl7ResultNode(this: Node, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const settings: Settings = {};
    try {
      settings.options = readResultOptions(def);
    } catch (err) {
      settings.problem = toSanteError(err);
    }
    // A msg property, like the lookup nodes' output: an order is never in flow or global context alone.
    const orderProperty = msgProperty(def.order, RESULT_NODE_DEFAULTS.order);
    const getOrder = messageReader(RED, orderProperty);
    const t = translator(RED, "sante-hl7-result");
    let linkProperty = describeProperty(INPUT_DEFAULT);
    try {
      linkProperty = describeProperty(readPropertySpec(def, false));
    } catch {
      // a bad property type: setupMessageNode reports it with every message
    }
    const invalid = (message: string) => new SanteError("SANTE_INVALID_INPUT", message);

    setupMessageNode<unknown, Settings>(RED, this, def, {
      type: "sante-hl7-result",
      allowHl7: false,
      config: () => settings,
      probe: ({ problem }) => {
        if (problem) throw problem;
      },
      run: (_settings, link) => link,
      prepare: (msg, link) => {
        if (settings.problem) throw settings.problem;
        const order = readOrder(msg);
        const uid = (msg.sante as { studyInstanceUid?: unknown } | undefined)?.studyInstanceUid;
        if (typeof uid !== "string" || uid.trim() === "") throw invalid(t("errors.no-uid"));
        if (typeof link !== "string")
          throw invalid(t("errors.link-type", { property: linkProperty, type: typeName(link) }));
        const result = buildResultMessage(order, { studyInstanceUid: uid, url: link }, settings.options);
        msg.payload = result;
        return { out: msg, status: () => messageType(result) };
      },
    });

    function readOrder(msg: NodeMessage): string | Buffer {
      let order: unknown;
      try {
        order = getOrder(msg);
      } catch {
        order = undefined;
      }
      if (typeof order === "string" ? order.trim() === "" : !Buffer.isBuffer(order)) {
        const property = `msg.${orderProperty}`;
        throw invalid(
          order === undefined || order === null
            ? t("errors.no-order", { property })
            : t("errors.order-type", { property, type: typeName(order) }),
        );
      }
      return order as string | Buffer;
    }
  }

  RED.nodes.registerType("sante-hl7-result", SanteHl7ResultNode);
};

/** "ORU^R01", "OMI^O23": what the status shows (the result is our own, well-formed message). */
function messageType(result: string): string {
  return `${readHl7(result, "MSH-9.1")}^${readHl7(result, "MSH-9.2")}`;
}
