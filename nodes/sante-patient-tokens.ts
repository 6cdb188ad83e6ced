/**
 * `sante-patient-tokens`: a Patient ID in, the tokens of all the patient's
 * studies out, as one array or (with `split`) one message per study that the
 * core `join` node reassembles.
 */
import type { PatientLookup } from "../lib/sante";
import type { Node, NodeAPI, NodeDef, NodeMessage } from "./glue/node-red-types";
import { lookupAdapter, setupMessageNode } from "./glue/message-node";
import { outputProperty, outputWriter } from "./glue/output-property";

export = function register(RED: NodeAPI): void {
  function SantePatientTokensNode(this: Node, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const output = outputProperty(def);
    const write = outputWriter(RED, output);
    const split = def.split === true || def.split === "true";
    setupMessageNode<PatientLookup>(RED, this, def, {
      ...lookupAdapter("sante-patient-tokens"),
      run: (server, patientId) => server.getClient().lookupPatient(patientId),
      prepare: (msg, found, t) => {
        const { patientId, studies, cached } = found;
        const status = () => t("status.studies", { count: studies.length });
        const sante = () => ({ patientId, studies: studies.map((s) => ({ ...s })), cached });
        // With no studies there is nothing to split: one message with [] still ends this input visibly.
        if (!split || studies.length === 0) {
          write(msg, studies);
          msg.sante = sante();
          return { out: msg, status };
        }
        const id = RED.util.generateId();
        const copies = studies.map((_, i) => (i === 0 ? msg : RED.util.cloneMessage(msg)));
        const out = copies.map((part: NodeMessage, index) => {
          write(part, { ...studies[index] });
          part.sante = sante();
          // As the core split node does: an enclosing sequence stays reachable through parts.parts.
          const outer = msg.parts === undefined ? {} : { parts: part.parts };
          part.parts = { id, index, count: studies.length, type: "array", len: 1, property: output, ...outer };
          return part;
        });
        return { out, status };
      },
    });
  }

  RED.nodes.registerType("sante-patient-tokens", SantePatientTokensNode);
};
