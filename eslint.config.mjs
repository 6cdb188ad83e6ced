// Flat config: typescript-eslint's type-aware recommended rules over our TypeScript.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", ".demo/", ".compat/", "resources/", "coverage/", "docs/", "test-results/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      // Protocol code matches control bytes on purpose: they are what frames are made of.
      "no-control-regex": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    // lib/ is the Node-RED-free library (protocol, HL7, MLLP, simulator): it may use Node.js and its own
    // dependencies, never nodes/ or Node-RED. nodes/ may import lib/. (test/layout.test.ts checks this rule bites.)
    files: ["lib/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { regex: "(^|/)nodes(/|$)", message: "lib/ may not import from nodes/ (Node-RED glue)." },
            { regex: "^(@node-red/|node-red($|/|-))", message: "lib/ may not import Node-RED." },
          ],
        },
      ],
    },
  },
  {
    files: ["test/**/*.ts"],
    rules: {
      // mocha's describe/it return values are not promises to await.
      "@typescript-eslint/no-floating-promises": "off",
    },
  },
  {
    files: ["**/*.mjs", "**/*.js"],
    ...tseslint.configs.disableTypeChecked,
  },
);
