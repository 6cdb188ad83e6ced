/**
 * `sante-viewer-link`: tokens in, Sante DICOM Web Viewer links out (the URL,
 * an HTML link and the viewer's command line). No network: the link is built
 * from the config node's web host, port and ssl.
 */
import { SanteError } from "../lib/sante";
import type { Node, NodeAPI, NodeDef } from "./glue/node-red-types";
import { toSanteError } from "../lib/errors";
import { readPropertySpec, resolveInput, type PropertySpec } from "./glue/input-property";
import { findServer } from "./glue/server-node";
import { LookupStatus, showConfigProblem } from "./glue/status";
import { translator } from "./glue/translate";
import { buildLinks, checkViewerPath, DEFAULT_LINK_TEXT, DEFAULT_VIEWER_PATH } from "../lib/sante/viewer-links";

export = function register(RED: NodeAPI): void {
  function SanteViewerLinkNode(this: Node, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const t = translator(RED, "sante-viewer-link");
    const status = new LookupStatus(this, t);
    const server = findServer(RED, def.server);
    const linkText = typeof def.linkText === "string" && def.linkText !== "" ? def.linkText : DEFAULT_LINK_TEXT;
    let spec: PropertySpec = { value: "payload", type: "msg" };
    let viewerPath = DEFAULT_VIEWER_PATH;
    let setupProblem: SanteError | undefined;
    try {
      spec = readPropertySpec(def, false);
      if (typeof def.viewerPath === "string" && def.viewerPath.trim() !== "")
        viewerPath = checkViewerPath(def.viewerPath.trim());
    } catch (err) {
      setupProblem = toSanteError(err);
    }
    if (!server) setupProblem = new SanteError("SANTE_INVALID_INPUT", t("errors.no-server"));
    if (setupProblem) status.problem(setupProblem.code);
    else if (server) showConfigProblem(() => server.viewerUrlFor("check"), status);

    this.on("input", (msg, send, done) => {
      const fail = (err: unknown) => {
        const error = toSanteError(err);
        status.problem(error.code);
        done(error);
      };
      if (setupProblem || !server) return fail(setupProblem);
      resolveInput(RED, this, msg, spec, t)
        .then((input) => buildLinks(input, { urlFor: (token) => server.viewerUrlFor(token), linkText, viewerPath }))
        .then((links) => {
          msg.payload = links.payload;
          msg.html = links.html;
          msg.command = links.command;
          const count = Array.isArray(links.payload) ? links.payload.length : 1;
          status.succeeded(() => t("status.links", { count }));
          status.pending(0);
          send(msg);
          done();
        }, fail);
    });

    this.on("close", (_removed, done) => {
      status.dispose();
      done();
    });
  }

  RED.nodes.registerType("sante-viewer-link", SanteViewerLinkNode);
};
