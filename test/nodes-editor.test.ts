import { strict as assert } from "node:assert";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import fc from "fast-check";
import { isValidHl7PathList } from "../lib/hl7";
import { BUILT_NODES_DIR, CONFIG_TYPES, NODE_TYPES, packageRoot, readPackageJson } from "./helpers/nr-package";
import { parseDeadline, parsePlan } from "../lib/wait/plan";

const root = packageRoot();

describe("the package as Node-RED's registry sees it", () => {
  it("package.json lists each node set with its compiled .js, and ships resources/", () => {
    const pkg = readPackageJson();
    assert.deepEqual(Object.keys(pkg["node-red"].nodes).sort(), [...NODE_TYPES].sort());
    for (const [type, file] of Object.entries(pkg["node-red"].nodes)) {
      assert.equal(file, `dist/nodes/${type}.js`);
    }
    assert.ok(pkg.files.some((f) => f.replace(/\/$/, "") === "resources"));
  });

  for (const type of NODE_TYPES) {
    it(`${type}: the build puts .js, .html, icon and catalogs side by side`, () => {
      for (const file of [`${type}.js`, `${type}.html`, `locales/en-US/${type}.json`, `locales/en-US/${type}.html`]) {
        assert.ok(existsSync(join(BUILT_NODES_DIR, file)), file);
      }
      const html = readFileSync(join(BUILT_NODES_DIR, `${type}.html`), "utf8");
      assert.match(html, new RegExp(`<script type="text/html" data-template-name="${type}">`));
      assert.match(html, new RegExp(`RED\\.nodes\\.registerType\\("${type}",`));
      assert.match(html, /<script src="resources\/node-red-contrib-sante-pacs\/sante-pacs-editor\.js"><\/script>/);
      const icon = /icon: "([^"]+)"/.exec(html)?.[1];
      if (!CONFIG_TYPES.includes(type)) {
        assert.ok(icon && existsSync(join(BUILT_NODES_DIR, "icons", icon)), `icon ${icon}`);
        assert.match(html, /category: "Sante PACS"/);
      }
    });
  }

  describe("the shared editor script's hl7 path check", () => {
    const script = readFileSync(join(root, "resources", "sante-pacs-editor.js"), "utf8");
    const window: { SantePacsEditor?: { isHl7PathList(v: string): boolean } } = {};
    runInNewContext(script, { window });
    const editor = window.SantePacsEditor;

    it("accepts the documented examples and refuses what the runtime refuses", () => {
      assert.ok(editor);
      const good = ["PID-3.1", "pid-3.1", "PID-3[MR].1", "PID-3[type=MR].1", "PID-3[auth=HOSP_A&1.2.3&ISO].1"];
      good.push("OBX[2]-5", "OBX[3.1=110180]-5", "IPC-3.1,ZDS-1.1", "IPC-3.1, ZDS-1.1", "PID-3[2].1.2", "ZDS-1");
      for (const ok of good) assert.equal(editor.isHl7PathList(ok), true, ok);
      const bad = ["", "payload", "PID", "PID-0", "PID-3.1.2.3", "PID-3.", "PID-3[].1", "PID-3.1,", "PID-3[ MR].1"];
      bad.push("OBX[0]-5", "PID-3[a=b].1", "PID-3[0].1", "P-3", "PID-3 .1");
      for (const no of bad) assert.equal(editor.isHl7PathList(no), false, no);
    });

    it("agrees with the runtime parser (lib/hl7) on any string", () => {
      assert.ok(editor);
      const unit = fc.constantFrom(..."PIDOBXpd0123456789[]=.,- MRtypeauth&_".split(""));
      const digits = fc.constantFrom("0", "1", "2", "10", "0001", "123456", "1234567", "");
      const words = ["MR", "type=MR", "auth=HOSP", "auth=", " MR", "MR ", "a=b", "3.1=110180", "0.1=x", "3=", "TYPE=x"];
      const inside = fc.oneof(digits, fc.constantFrom(...words, "auth=A&B", "M R"), fc.string({ unit, maxLength: 6 }));
      const path = fc
        .tuple(fc.constantFrom("PID", "pid", "OBX", "Z1X", "1AB", "PI"), fc.option(inside), digits)
        .chain(([seg, sel, field]) =>
          fc.tuple(fc.option(inside), fc.option(digits), fc.option(digits)).map(([rep, c, sc]) => {
            const selector = (x: string | null) => (x === null ? "" : `[${x}]`);
            const sub = c !== null && sc !== null ? `.${sc}` : "";
            return `${seg}${selector(sel)}-${field}${selector(rep)}${c === null ? "" : `.${c}`}${sub}`;
          }),
        );
      const list = fc
        .array(path, { minLength: 1, maxLength: 3 })
        .chain((paths) => fc.constantFrom(",", ", ").map((sep) => paths.join(sep)));
      fc.assert(
        fc.property(fc.oneof(list, fc.string({ unit, maxLength: 20 })), (text) => {
          assert.equal(editor.isHl7PathList(text), isValidHl7PathList(text), JSON.stringify(text));
        }),
        { numRuns: 5000 },
      );
    });
  });

  describe("the shared editor script's wait plan and deadline checks", () => {
    const window: {
      SantePacsDefaults?: unknown;
      SantePacsEditor?: { isWaitPlan(v: unknown): boolean; isWaitDeadline(v: unknown): boolean };
    } = {};
    for (const script of ["sante-pacs-defaults.js", "sante-pacs-editor.js"]) {
      runInNewContext(readFileSync(join(root, "resources", script), "utf8"), { window });
    }
    const editor = window.SantePacsEditor;
    const accepts = (parse: (text: unknown) => unknown, text: unknown) => {
      try {
        parse(text);
        return true;
      } catch {
        return false;
      }
    };

    it("accepts the documented plans and refuses what the runtime refuses", () => {
      assert.ok(editor);
      for (const ok of ["10x1m, 10x5m, 12x15m, 68x1h", "6x10s,12x5m,24x1h", "5X1m", "1×1h30m", " 2x 1d "]) {
        assert.equal(editor.isWaitPlan(ok), true, ok);
      }
      for (const no of ["", "10", "x1m", "0x1m", "10x0s", "10x500ms", "10x5w", "10x31d", "1x1m,,1x1m", "1x1m,"]) {
        assert.equal(editor.isWaitPlan(no), false, no);
      }
      assert.equal(editor.isWaitPlan(Array.from({ length: 21 }, () => "1x1m").join(",")), false, "21 steps");
      for (const ok of ["3d", "12h", "1h30m", "1s", "366d"]) assert.equal(editor.isWaitDeadline(ok), true, ok);
      for (const no of ["", "0s", "367d", "3 days", "1w", "5"]) assert.equal(editor.isWaitDeadline(no), false, no);
    });

    it("agrees with the runtime (lib/wait/plan.ts) on any text", () => {
      assert.ok(editor);
      const unit = fc.constantFrom(..."0123456789xX× ,dhmsDHMSw.-".split(""));
      const number = fc.constantFrom("0", "1", "9", "10", "59", "60", "366", "367", "720", "10000", "10001", "");
      const duration = fc
        .array(fc.tuple(number, fc.constantFrom("d", "h", "m", "s", "D", "w", "", " m")), { maxLength: 3 })
        .map((parts) => parts.map(([n, u]) => n + u).join(""));
      const step = fc
        .tuple(number, fc.constantFrom("x", "X", "×", " x ", "", "xx"), duration)
        .map(([n, x, d]) => n + x + d);
      const plan = fc
        .array(step, { minLength: 0, maxLength: 22 })
        .chain((steps) => fc.constantFrom(",", ", ", " ,").map((sep) => steps.join(sep)));
      fc.assert(
        fc.property(fc.oneof(plan, fc.string({ unit, maxLength: 24 })), (text) => {
          assert.equal(editor.isWaitPlan(text), accepts(parsePlan, text), `plan ${JSON.stringify(text)}`);
        }),
        { numRuns: 5000 },
      );
      fc.assert(
        fc.property(fc.oneof(duration, fc.string({ unit, maxLength: 12 })), (text) => {
          assert.equal(editor.isWaitDeadline(text), accepts(parseDeadline, text), `deadline ${JSON.stringify(text)}`);
        }),
        { numRuns: 5000 },
      );
    });
  });
});
