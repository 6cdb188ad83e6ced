/**
 * Node definitions read from an editor .html the way node-red-dev reads them (src/libs/checknodes.js
 * getNodeDefinitions): only `<script type="text/javascript">` blocks, only `RED.nodes.registerType("literal", {…})`
 * calls, and only literal category/icon/color/inputs/outputs count. node-red-dev parses with acorn; TypeScript's
 * parser (already a devDependency) reads the same JavaScript.
 */
import ts from "typescript";

export interface NodeDefinition {
  type: string;
  category?: string;
  icon?: string;
  color?: string;
  inputs?: number;
  outputs?: number;
  defaults: string[];
  credentials: string[];
}

export interface ParsedHtml {
  definitions: NodeDefinition[];
  /** Problems node-red-dev reports as errors (syntax errors, non-literal arguments). */
  errors: string[];
}

const SCRIPT = /<script.+?type=['"]text\/javascript['"].*?>([\S\s]*?)<\/script>/gi;

function propertyName(name: ts.PropertyName): string | undefined {
  return ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : undefined;
}

function literal(value: ts.Expression): string | number | undefined {
  if (ts.isStringLiteral(value) || ts.isNoSubstitutionTemplateLiteral(value)) return value.text;
  if (ts.isNumericLiteral(value)) return Number(value.text);
  return undefined;
}

function readDefinition(type: string, body: ts.ObjectLiteralExpression, errors: string[]): NodeDefinition {
  const def: NodeDefinition = { type, defaults: [], credentials: [] };
  for (const prop of body.properties) {
    if (!ts.isPropertyAssignment(prop)) continue;
    const key = propertyName(prop.name);
    if (key === "defaults" || key === "credentials") {
      if (!ts.isObjectLiteralExpression(prop.initializer)) errors.push(`${type}: ${key}-not-inline`);
      else def[key] = prop.initializer.properties.flatMap((p) => (p.name ? (propertyName(p.name) ?? []) : []));
    } else if (key === "category" || key === "icon" || key === "color") {
      const value = literal(prop.initializer);
      if (typeof value === "string") def[key] = value;
      else errors.push(`${type}: ${key}-not-inline`);
    } else if (key === "inputs" || key === "outputs") {
      const value = literal(prop.initializer);
      if (typeof value === "number") def[key] = value;
      else errors.push(`${type}: ${key}-not-inline`);
    }
  }
  return def;
}

export function parseNodeHtml(html: string): ParsedHtml {
  const definitions: NodeDefinition[] = [];
  const errors: string[] = [];
  const blocks = [...html.matchAll(SCRIPT)].map((m) => m[1]);
  if (blocks.length === 0) return { definitions, errors: ["No <script> sections found"] };
  for (const block of blocks) {
    const syntax = ts.transpileModule(block, { reportDiagnostics: true, compilerOptions: { allowJs: true } });
    for (const d of syntax.diagnostics ?? [])
      errors.push(`parse: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`);
    const source = ts.createSourceFile("editor.js", block, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
    const visit = (node: ts.Node): void => {
      if (
        ts.isCallExpression(node) &&
        ts.isPropertyAccessExpression(node.expression) &&
        node.expression.name.text === "registerType"
      ) {
        const [type, body] = node.arguments;
        if (!type || !ts.isStringLiteral(type)) errors.push(`non-literal node type: ${type?.getText(source) ?? ""}`);
        else if (!body || !ts.isObjectLiteralExpression(body)) errors.push(`${type.text}: non-objectexpression`);
        else definitions.push(readDefinition(type.text, body, errors));
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  if (definitions.length === 0 && errors.length === 0) errors.push("No type definitions found");
  return { definitions, errors };
}
