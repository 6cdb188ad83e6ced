import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tls from "node:tls";
import { startSimulator, type RunningSimulator } from "../lib/simulator";
import { flowWith, Outcomes, serverDef } from "./helpers/nr-flows";
import { coreNode, helper, OUR_NODES } from "./helpers/nr-helper";

const SEED_UID = "1.2.826.0.1.3748527.1.4.2.0.20181120.185921.384642";
const SEED_TOKEN = "JH89ZQBkySrgt9f38OYic5wyC8YVO41pLPNesa5shYnmsl1DOXVF9eNK5SVwlg6";
const tlsNode = coreNode("network/05-tls.js");

describe("sante-pacs-server with a core tls-config node", () => {
  let dir: string;
  let sim: RunningSimulator;
  let server: tls.Server;
  let port: number;
  const sockets = new Set<net.Socket>();

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), "sante-tls-"));
    // A self-signed certificate made for this run; without openssl there is nothing to test with.
    const made = spawnSync("openssl", [
      ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"],
      ...["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
      ...["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")],
    ]);
    if (made.status !== 0) return this.skip();
    sim = await startSimulator({ port: 0 });
    // A TLS terminator in front of the simulator, as a PACS's HL7 port behind stunnel would be.
    server = tls.createServer(
      { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) },
      (socket) => {
        const upstream = net.connect(sim.port, "127.0.0.1");
        for (const s of [socket, upstream]) {
          sockets.add(s);
          s.on("close", () => sockets.delete(s));
          s.on("error", () => undefined);
        }
        socket.pipe(upstream).pipe(socket);
        socket.on("close", () => upstream.destroy());
        upstream.on("close", () => socket.destroy());
      },
    );
    server.on("tlsClientError", () => undefined);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as net.AddressInfo).port;
  });

  after(async () => {
    for (const s of sockets) s.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
    if (sim) await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => helper.unload());

  function tlsConfig(ca: string, servername = "localhost"): Record<string, unknown> {
    return { id: "tls1", type: "tls-config", cert: "", key: "", ca, servername, verifyservercert: true };
  }

  it("looks the token up over TLS, checking the server's certificate against the tls-config's CA", async () => {
    const flow = flowWith(
      { type: "sante-study-token" },
      serverDef(port, { tls: "tls1" }),
      tlsConfig(join(dir, "cert.pem")),
    );
    await helper.load([tlsNode, ...OUR_NODES], flow);
    const o = new Outcomes();
    await o.send({ payload: SEED_UID });
    assert.equal(o.outputs[0]?.payload, SEED_TOKEN, String(o.lastCode()));
  });

  it("refuses a certificate the tls-config does not trust, as SANTE_CONNECTION", async () => {
    const flow = flowWith(
      { type: "sante-study-token" },
      serverDef(port, { tls: "tls1", timeout: "2000" }),
      tlsConfig(""),
    );
    await helper.load([tlsNode, ...OUR_NODES], flow);
    const o = new Outcomes();
    await o.send({ payload: SEED_UID });
    assert.equal(o.outputs.length, 0);
    assert.equal(o.lastCode(), "SANTE_CONNECTION");
    // The handshake is part of connecting: the message names the certificate problem, not a lost reply.
    assert.match(
      (o.errors[0].error as { message: string }).message,
      /Could not connect to 127\.0\.0\.1:\d+ \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)\)$/,
    );
  });

  it("with no server name in the tls-config, checks the certificate against the HL7 host's IP, sending it no SNI", async () => {
    // RFC 6066 forbids an IP address as SNI; Node.js warns (DEP0123) when asked to send one.
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on("warning", onWarning);
    try {
      const flow = flowWith(
        { type: "sante-study-token" },
        serverDef(port, { tls: "tls1" }),
        tlsConfig(join(dir, "cert.pem"), ""),
      );
      await helper.load([tlsNode, ...OUR_NODES], flow);
      const o = new Outcomes();
      await o.send({ payload: SEED_UID });
      assert.equal(o.outputs[0]?.payload, SEED_TOKEN, String(o.lastCode()));
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(warnings, []);
    } finally {
      process.off("warning", onWarning);
    }
  });
});
