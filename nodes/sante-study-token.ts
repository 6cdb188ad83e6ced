/**
 * `sante-study-token`: a Study Instance UID in, the study's token out
 * (msg[output] and msg.sante). All protocol work is the client's (lib/sante).
 */
import type { StudyLookup } from "../lib/sante";
import type { Node, NodeAPI, NodeDef } from "./glue/node-red-types";
import { outputProperty } from "./glue/output-property";
import { lookupAdapter, setupMessageNode } from "./glue/message-node";

export = function register(RED: NodeAPI): void {
  function SanteStudyTokenNode(this: Node, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const output = outputProperty(def);
    setupMessageNode<StudyLookup>(RED, this, def, {
      ...lookupAdapter("sante-study-token"),
      run: (server, uid) => server.getClient().lookupStudy(uid),
      prepare: (msg, study, t) => {
        RED.util.setMessageProperty(msg, output, study.token, true);
        msg.sante = { studyInstanceUid: study.studyInstanceUid, token: study.token, cached: study.cached };
        return { out: msg, status: () => t(study.cached ? "status.found-cached" : "status.found") };
      },
    });
  }

  RED.nodes.registerType("sante-study-token", SanteStudyTokenNode);
};
