/**
 * `sante-study-token`: a Study Instance UID in, the study's token out
 * (msg[output] and msg.sante). All protocol work is the client's (lib/sante).
 * In wait mode a study the PACS does not know yet is waited for (glue/study-waits.ts):
 * the message leaves by the second output once stored, and by the first when found.
 */
import type { StudyLookup } from "../lib/sante";
import type { Node, NodeAPI, NodeDef } from "./glue/node-red-types";
import { outputProperty, outputWriter } from "./glue/output-property";
import { findServer } from "./glue/server-node";
import { lookupAdapter, setupMessageNode } from "./glue/message-node";
import type { StatusText } from "./glue/lookup-status";
import { isWaiting, readWaitSettings, StudyWaits, type Waiting } from "./glue/study-waits";
import { translator } from "./glue/translate";
import { registerWaitEndpoints } from "./glue/wait-admin";

export = function register(RED: NodeAPI): void {
  function SanteStudyTokenNode(this: Node, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const output = outputProperty(def);
    const write = outputWriter(RED, output);
    const settings = readWaitSettings(def);
    const t = translator(RED, "sante-study-token");
    const found: StatusText = () => t("status.found");
    const foundCached: StatusText = () => t("status.found-cached");
    const stored: StatusText = () => t("status.stored");
    const waits = new StudyWaits(RED, this, findServer(RED, def.server), settings, output, t);
    const status = setupMessageNode<StudyLookup | Waiting>(RED, this, def, {
      ...lookupAdapter("sante-study-token"),
      // Without wait mode, the plain lookup: no wrapper on the per-message path.
      run: (server, uid, msg) =>
        settings.enabled ? waits.lookup(server, uid, msg) : server.getClient().lookupStudy(uid),
      prepare: (msg, result) => {
        if (isWaiting(result)) return { out: waits.waitingMessage(msg, result), port: 1, status: stored };
        write(msg, result.token);
        // The client makes a new { studyInstanceUid, token, cached } for every call: it is msg.sante as it is.
        msg.sante = result;
        return { out: msg, status: result.cached ? foundCached : found };
      },
    });
    waits.start(status);
  }

  RED.nodes.registerType("sante-study-token", SanteStudyTokenNode);
  registerWaitEndpoints(RED);
};
