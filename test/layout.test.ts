import { strict as assert } from "node:assert";
import { join } from "node:path";
import { ESLint } from "eslint";
import { packageRoot } from "./helpers/nr-package";

const root = packageRoot();
// Node-RED glue, Node-RED itself, and its own packages: what lib/ must never import.
const FORBIDDEN = [
  'import type { Node } from "../nodes/glue/node-red-types";',
  'import "node-red";',
  'import "@node-red/util";',
].join("\n");

async function restrictedImports(file: string): Promise<number> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(`${FORBIDDEN}\nexport {};\n`, { filePath: join(root, file) });
  return result.messages.filter((m) => m.ruleId === "no-restricted-imports").length;
}

describe("layout: lib/ needs no Node-RED (the lint rule that keeps it so)", function () {
  this.timeout(60000);

  it("refuses imports of nodes/ and of Node-RED in lib/", async () => {
    assert.equal(await restrictedImports("lib/api.ts"), 3);
  });

  it("lets nodes/ import them", async () => {
    assert.equal(await restrictedImports("nodes/glue/translate.ts"), 0);
  });
});
