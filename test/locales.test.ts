import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { requireFromNodeRed } from "./helpers/nr-runtime";

/**
 * The translations as the built package ships them (the build copies locales/ beside the node .js files). Every
 * locale must say what en-US says: same keys, same placeholders, same codes, same help structure.
 */
const LOCALES = resolve(__dirname, "..", "nodes", "locales");
const SOURCE = "en-US";
/** Node-RED's own editor languages that we translate into. */
const TRANSLATIONS = ["de", "es-ES", "fr", "ja", "zh-CN"];

/** Help section headings as Node-RED's own core node help words them in each language (@node-red/nodes/locales). */
const HEADINGS: Record<string, Record<string, string>> = {
  de: { Inputs: "Eingangsdaten", Outputs: "Ausgangsdaten", Details: "Details", References: "Referenzen" },
  "es-ES": { Inputs: "Entradas", Outputs: "Salidas", Details: "Detalles", References: "Referencias" },
  fr: { Inputs: "Entrées", Outputs: "Sorties", Details: "Détails", References: "Références" },
  ja: { Inputs: "入力", Outputs: "出力", Details: "詳細", References: "参考資料" },
  "zh-CN": { Inputs: "输入", Outputs: "输出", Details: "详细", References: "参考资料" },
};

type Catalog = { [key: string]: string | Catalog };
/** i18next's plural suffixes: JSON v4 (Node-RED 4.1 and later) and `_plural` of JSON v3 (before 4.1; see expectedKeys). */
const PLURAL = /_(zero|one|two|few|many|other|plural)$/;
const PLACEHOLDER = /__[A-Za-z0-9]+__|\{\{[^}]+\}\}/g;
/** Text that is never translated: error codes, HL7 paths and message types, msg properties, env variables, URLs. */
const VERBATIM = [
  /\bSANTE_[A-Z_]+/g,
  /\b[A-Z][A-Z0-9]{2}(?:\[[^\]\s]*\])?-\d+(?:\[[^\]\s]*\])?(?:\.\d+)*/g,
  /\b[A-Z]{3}\^[A-Z]\d{2}\b/g,
  /\bmsg\.[A-Za-z_.]*[A-Za-z_]/g,
  /\$\{[A-Z_]+\}/g,
  /\bsante:\/\/[^\s<"]+/g,
];

function files(lang: string): string[] {
  return readdirSync(join(LOCALES, lang)).sort();
}
/** A locale file's text; "" when it is missing (the file-list test names what is missing). */
function read(lang: string, file: string): string {
  try {
    return readFileSync(join(LOCALES, lang, file), "utf8");
  } catch {
    return "";
  }
}
function readCatalog(lang: string, file: string): Map<string, string> {
  const text = read(lang, file);
  return flatten(text ? (JSON.parse(text) as Catalog) : {});
}
function flatten(catalog: Catalog, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(catalog)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === "string") out.set(path, value);
    else for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}
function all(text: string, pattern: RegExp): string[] {
  return [...text.matchAll(pattern)].map((m) => m[0]);
}
function matches(text: string, patterns: RegExp[]): string[] {
  return patterns.flatMap((p) => [...text.matchAll(p)].map((m) => m[0])).sort();
}
function missingFrom(expected: string[], actual: string[]): string[] {
  const have = new Set(actual);
  return [...new Set(expected)].filter((x) => !have.has(x));
}
function codeSpans(html: string): string[] {
  return [...html.matchAll(/<code>([\s\S]*?)<\/code\s*>/g)].map((m) => m[1].replace(/\s+/g, " ")).sort();
}
function tagNames(html: string, names: string): string[] {
  return [...html.matchAll(new RegExp(`<(/?(?:${names}))\\b`, "g"))].map((m) => m[1]);
}

/** A catalog's keys, with i18next plural forms folded into their base key: "status.studies_one" → "status.studies". */
function pluralBases(keys: Iterable<string>): Set<string> {
  return new Set([...keys].filter((k) => k.endsWith("_other")).map((k) => k.replace(PLURAL, "")));
}

/**
 * The keys a translation must have: en-US's, except that a plural key carries exactly the plural forms the
 * language has, in both formats Node-RED's i18next reads:
 * - JSON v4 (Node-RED 4.1 and later): the forms of Intl.PluralRules, which i18next uses to pick one: ja and zh-CN
 *   only `_other`, fr and es also `_many` (1 000 000), so that no count falls back to English and no form is dead;
 * - JSON v3 (Node-RED 3.1 and 4.0 set compatibilityJSON "v3"): the bare key (singular, or the only form), and
 *   `_plural` where the language has a singular (en, de, es, fr). Without them, those versions show the key itself.
 */
function expectedKeys(english: Map<string, string>, lang: string): string[] {
  const bases = pluralBases(english.keys());
  const forms = new Intl.PluralRules(lang).resolvedOptions().pluralCategories;
  const keys = [...english.keys()].filter((k) => !bases.has(k.replace(PLURAL, "")));
  for (const base of bases) {
    keys.push(...forms.map((form) => `${base}_${form}`), base);
    if (forms.includes("one")) keys.push(`${base}_plural`);
  }
  return keys.sort();
}

/** A plural form of either format: it must show the count, whatever en-US's singular says ("1 study"). */
function isPluralForm(key: string, bases: Set<string>): boolean {
  return PLURAL.test(key) || bases.has(key);
}

/** en-US's text for a translation key (a plural form of any category maps to en-US's `_other`). */
function englishFor(english: Map<string, string>, key: string): string | undefined {
  return isPluralForm(key, pluralBases(english.keys()))
    ? english.get(key.replace(PLURAL, "") + "_other")
    : english.get(key);
}

const jsonFiles = files(SOURCE).filter((f) => f.endsWith(".json"));
const helpFiles = files(SOURCE).filter((f) => f.endsWith(".html"));

describe("translations", () => {
  it("ship for every Node-RED editor language we support, with the same files as en-US", () => {
    assert.ok(jsonFiles.length >= 4 && helpFiles.length === jsonFiles.length, "en-US has a catalog and help per node");
    assert.deepEqual(readdirSync(LOCALES).sort(), [SOURCE, ...TRANSLATIONS].sort());
    for (const lang of TRANSLATIONS) assert.deepEqual(files(lang), files(SOURCE), lang);
  });

  for (const lang of TRANSLATIONS) {
    describe(lang, () => {
      for (const file of jsonFiles) {
        const english = readCatalog(SOURCE, file);
        const translated = readCatalog(lang, file);

        it(`${file}: has exactly en-US's keys (plural forms per the language's plural rules)`, () => {
          assert.deepEqual([...translated.keys()].sort(), expectedKeys(english, lang));
        });

        it(`${file}: keeps every placeholder, code, path and markup, and is translated`, () => {
          let same = 0;
          for (const [key, text] of translated) {
            const source = englishFor(english, key) ?? "";
            const where = `${lang}/${file} ${key}`;
            assert.ok(text.trim().length > 0, `${where} is empty`);
            const plural = isPluralForm(key, pluralBases(english.keys()));
            const wanted = all(source, PLACEHOLDER).concat(plural ? ["__count__"] : []);
            const allowed = new Set(wanted);
            const used = all(text, PLACEHOLDER);
            assert.deepEqual(missingFrom(wanted, used), [], `${where} lost a placeholder`);
            assert.deepEqual(
              used.filter((p) => !allowed.has(p)),
              [],
              `${where} has a placeholder en-US does not`,
            );
            assert.deepEqual(missingFrom(matches(source, VERBATIM), matches(text, VERBATIM)), [], `${where} verbatim`);
            assert.deepEqual(codeSpans(text), codeSpans(source), `${where} <code>`);
            assert.deepEqual(tagNames(text, "b|i|code").sort(), tagNames(source, "b|i|code").sort(), `${where} tags`);
            if (text === source) same++;
          }
          assert.ok(same <= translated.size / 3, `${lang}/${file}: ${same} of ${translated.size} texts are en-US's`);
        });
      }

      for (const file of helpFiles) {
        const source = read(SOURCE, file);
        const text = read(lang, file);

        it(`${file}: declares the same help blocks, sections and structure as en-US`, () => {
          const names = (html: string) => [...html.matchAll(/data-help-name="([^"]+)"/g)].map((m) => m[1]);
          assert.deepEqual(names(text), names(source));
          assert.deepEqual(names(text), [file.replace(/\.html$/, "")]);
          const h3 = (html: string) => [...html.matchAll(/<h3>([^<]*)<\/h3>/g)].map((m) => m[1]);
          assert.deepEqual(
            h3(text),
            h3(source).map((h) => HEADINGS[lang][h] ?? `(no ${lang} heading for "${h}")`),
          );
          const blocks = "script|p|dl|dt|dd|ul|ol|li|h3|h4|table|tr|td|th";
          assert.deepEqual(tagNames(text, blocks), tagNames(source, blocks), "block structure");
          assert.deepEqual(
            [...text.matchAll(/<span class="property-type">/g)].length,
            [...source.matchAll(/<span class="property-type">/g)].length,
            "property types",
          );
          // Message property names (lower-case identifiers in <dt>) are code, not words.
          const props = (html: string) => [...html.matchAll(/<dt[^>]*>\s*([a-z][A-Za-z.]*)\s*</g)].map((m) => m[1]);
          assert.deepEqual(props(text), props(source));
        });

        it(`${file}: keeps every code sample, error code and HL7 path, and is translated`, () => {
          assert.deepEqual(codeSpans(text), codeSpans(source));
          assert.deepEqual(missingFrom(matches(source, VERBATIM), matches(text, VERBATIM)), []);
          const prose = (html: string) => html.replace(/<code>[\s\S]*?<\/code\s*>|<[^>]+>/g, " ").replace(/\s+/g, " ");
          const words = (html: string) => new Set(prose(html).split(" "));
          const english = words(source);
          const kept = [...words(text)].filter((w) => /^[a-z]{4,}$/.test(w) && english.has(w));
          assert.ok(kept.length < english.size / 10, `${lang}/${file} still reads as English: ${kept.join(" ")}`);
        });
      }
    });
  }
});

interface NodeRedI18n {
  init(settings: object): void;
  registerMessageCatalog(namespace: string, dir: string, file: string): Promise<void>;
  catalog(namespace: string, lang: string): Catalog | null;
  _(key: string, options?: object): string;
  i: {
    language: string;
    options: { compatibilityJSON?: string };
    changeLanguage(lang: string, done: () => void): void;
  };
}

describe("translations through Node-RED's own i18n", () => {
  // @node-red/util ships no type declarations.
  const { i18n } = requireFromNodeRed("@node-red/util") as { i18n: NodeRedI18n };
  const ns = (file: string) => `sante-locales-test/${file.replace(/\.json$/, "")}`;
  const changeLanguage = (lang: string) => new Promise<void>((done) => i18n.i.changeLanguage(lang, done));

  before(async () => {
    i18n.init({});
    for (const file of jsonFiles) await i18n.registerMessageCatalog(ns(file), LOCALES, file);
    // What the editor's GET /locales/<namespace>?lng=<lang> does (editor-api locales.js): load the language, switch back.
    const previous = i18n.i.language;
    for (const lang of TRANSLATIONS) await changeLanguage(lang);
    await changeLanguage(previous);
  });

  for (const lang of TRANSLATIONS) {
    it(`${lang}: Node-RED serves every text of our catalogs, none replaced by an en-US fallback`, () => {
      for (const file of jsonFiles) {
        const served = flatten(i18n.catalog(ns(file), lang) ?? {});
        for (const [key, text] of readCatalog(lang, file)) {
          // Node-RED 4.1 and later fold a JSON v3 `_plural` into `_other` as they load a catalog (@node-red/util
          // i18n.js, migrateMessageCatalogV3toV4); ours say the same in both.
          const folded = served.get(key) ?? served.get(key.replace(/_plural$/, "_other"));
          assert.equal(folded, text, `${lang} ${file} ${key}`);
        }
      }
    });
  }

  it("resolves plurals and substitutions in each language the way the runtime does", () => {
    const t = (lang: string, key: string, options: object) =>
      i18n._(`${ns("sante-patient-tokens.json")}:sante-patient-tokens.${key}`, { lng: lang, ...options });
    const studies = (lang: string) => [0, 1, 2, 1000000].map((count) => t(lang, "status.studies", { count }));
    assert.deepEqual(studies("de"), ["0 Studien", "1 Studie", "2 Studien", "1000000 Studien"]);
    // Node-RED before 4.1 reads catalogs as JSON v3 (expectedKeys), which has no `_many`: a million is plain plural.
    const v3 = i18n.i.options.compatibilityJSON === "v3";
    const million = (v4Text: string, v3Text: string) => (v3 ? v3Text : v4Text);
    assert.deepEqual(studies("fr"), ["0 étude", "1 étude", "2 études", million("1000000 d'études", "1000000 études")]);
    assert.deepEqual(studies("es-ES"), [
      "0 estudios",
      "1 estudio",
      "2 estudios",
      million("1000000 de estudios", "1000000 estudios"),
    ]);
    assert.deepEqual(studies("ja"), ["0 件の検査", "1 件の検査", "2 件の検査", "1000000 件の検査"]);
    assert.deepEqual(studies("zh-CN"), ["0 项检查", "1 项检查", "2 项检查", "1000000 项检查"]);
    assert.equal(t("de", "errors.no-input", { property: "msg.pid" }), "In msg.pid ist keine Patienten-ID vorhanden");
    assert.equal(t("ja", "status.waiting", { count: 3 }), "3 件待機中");
  });
});
