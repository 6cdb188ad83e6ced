/**
 * `sante-viewer-link`: tokens in, Sante DICOM Web Viewer links out (the URL,
 * an HTML link and the viewer's command line). No network: the link is built
 * from the config node's web host, port and ssl.
 */
import {
  buildLinks,
  checkViewerPath,
  DEFAULT_LINK_TEXT,
  DEFAULT_VIEWER_PATH,
  type Links,
} from "../lib/sante/viewer-links";
import type { Node, NodeAPI, NodeDef } from "./glue/node-red-types";
import { setupMessageNode } from "./glue/message-node";

export = function register(RED: NodeAPI): void {
  function SanteViewerLinkNode(this: Node, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const linkText = typeof def.linkText === "string" && def.linkText !== "" ? def.linkText : DEFAULT_LINK_TEXT;
    const path = typeof def.viewerPath === "string" ? def.viewerPath.trim() : "";
    // A path with a quote is a configuration error: every message then ends with it, as with a bad server.
    let viewerPath: string | Error = DEFAULT_VIEWER_PATH;
    try {
      if (path !== "") viewerPath = checkViewerPath(path);
    } catch (err) {
      viewerPath = err as Error;
    }
    setupMessageNode<Links>(RED, this, def, {
      type: "sante-viewer-link",
      allowHl7: false,
      probe: (server) => {
        if (viewerPath instanceof Error) throw viewerPath;
        server.viewerUrlFor("check");
      },
      run: (server, input) => {
        if (viewerPath instanceof Error) throw viewerPath;
        return buildLinks(input, { urlFor: (token) => server.viewerUrlFor(token), linkText, viewerPath });
      },
      prepare: (msg, links, t) => {
        msg.payload = links.payload;
        msg.html = links.html;
        msg.command = links.command;
        const count = Array.isArray(links.payload) ? links.payload.length : 1;
        return { out: msg, status: () => t("status.links", { count }) };
      },
    });
  }

  RED.nodes.registerType("sante-viewer-link", SanteViewerLinkNode);
};
