/**
 * `sante-study-token`: a Study Instance UID in, the study's token out
 * (msg[output] and msg.sante). All protocol work is the core's SanteClient.
 */
import type { StudyLookup } from "../lib/sante";
import type { Node, NodeAPI, NodeDef } from "./glue/node-red-types";
import { outputProperty } from "./glue/output-property";
import { setupLookupNode } from "./glue/lookup-node";

export = function register(RED: NodeAPI): void {
  function SanteStudyTokenNode(this: Node, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const output = outputProperty(def);
    setupLookupNode<StudyLookup>(RED, this, def, {
      type: "sante-study-token",
      lookup: (client, uid) => client.lookupStudy(uid),
      prepare: (msg, study, t) => {
        RED.util.setMessageProperty(msg, output, study.token, true);
        msg.sante = { studyInstanceUid: study.studyInstanceUid, token: study.token, cached: study.cached };
        return { out: msg, status: () => t(study.cached ? "status.found-cached" : "status.found") };
      },
    });
  }

  RED.nodes.registerType("sante-study-token", SanteStudyTokenNode);
};
