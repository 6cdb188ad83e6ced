import { strict as assert } from "node:assert";
import { isSanteError } from "../lib/errors";
import {
  escapeHl7Text,
  parseHl7Message,
  readHl7,
  STANDARD_DELIMITERS,
  writeDelimiters,
  writeHl7Field,
  writeHl7Message,
  writeHl7Segment,
  type Hl7SegmentValues,
} from "../lib/hl7";

const D = STANDARD_DELIMITERS;
const invalid = (err: unknown) => isSanteError(err, "SANTE_INVALID_INPUT");

describe("escapeHl7Text", () => {
  it("delimiters and the escape character become \\F\\ \\S\\ \\T\\ \\R\\ \\E\\", () => {
    assert.equal(escapeHl7Text("a|b^c&d~e\\f", D), "a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f");
  });

  it("a Sante link's & travels as \\T\\", () => {
    assert.equal(
      escapeHl7Text("sante://download?url=pacs:3000&ssl=yes&token=AbC123", D),
      "sante://download?url=pacs:3000\\T\\ssl=yes\\T\\token=AbC123",
    );
  });

  it("CR, LF, TAB, the MLLP bytes and DEL become \\Xhh\\, so no segment or frame can start in a value", () => {
    assert.equal(escapeHl7Text("line 1\r\nline 2", D), "line 1\\X0D\\\\X0A\\line 2");
    assert.equal(escapeHl7Text("\x0bMSH\x1c\r", D), "\\X0B\\MSH\\X1C\\\\X0D\\");
    assert.equal(escapeHl7Text("a\tb\x00c\x7f", D), "a\\X09\\b\\X00\\c\\X7F\\");
  });

  it("text that looks like an escape sequence is kept as text", () => {
    assert.equal(escapeHl7Text("\\H\\bold\\N\\", D), "\\E\\H\\E\\bold\\E\\N\\E\\");
    assert.equal(readHl7(`MSH|^~\\&|A\rNTE|1||${escapeHl7Text("\\.br\\ \\X41\\", D)}`, "NTE-3"), "\\.br\\ \\X41\\");
  });

  it("uses the message's own delimiters", () => {
    const custom = { field: "$", component: "%", repetition: "*", escape: "#", subcomponent: "&" };
    assert.equal(escapeHl7Text("a$b%c*d#e&f|g^", custom), "a#F#b#S#c#R#d#E#e#T#f|g^");
  });

  it("plain text comes back as it is; non-ASCII text is not escaped", () => {
    assert.equal(escapeHl7Text("ÅSA-ÉÈ-Ω 1.2.3", D), "ÅSA-ÉÈ-Ω 1.2.3");
    assert.equal(escapeHl7Text("", D), "");
  });

  it("the v2.7 truncation character is data: not escaped", () => {
    assert.equal(escapeHl7Text("#1", { ...D, truncation: "#" }), "#1");
  });

  it("without an escape character, text that needs one is refused", () => {
    assert.throws(() => escapeHl7Text("a^b", { field: "|", component: "^" }), invalid);
    assert.equal(escapeHl7Text("ab", { field: "|", component: "^" }), "ab");
  });
});

describe("writeHl7Field", () => {
  it("text, components, subcomponents and repetitions", () => {
    assert.equal(writeHl7Field("12345", D), "12345");
    assert.equal(writeHl7Field(["12345", "", "", ["HOSP_A", "1.2.3", "ISO"], "MR"], D), "12345^^^HOSP_A&1.2.3&ISO^MR");
    assert.equal(writeHl7Field({ repeat: ["A", ["B", "", "", "", "SS"]] }, D), "A~B^^^^SS");
  });

  it("empty: undefined, null, an empty string or array; trailing empty parts are left out", () => {
    for (const empty of [undefined, null, "", [], { repeat: [] }]) assert.equal(writeHl7Field(empty, D), "");
    assert.equal(writeHl7Field(["A", "", ["", ""], ""], D), "A");
    assert.equal(writeHl7Field({ repeat: ["A", "", ""] }, D), "A");
  });

  it("numbers and booleans are written as text; other values are refused", () => {
    assert.equal(writeHl7Field(42 as unknown as string, D), "42");
    assert.throws(() => writeHl7Field({ x: 1 } as unknown as string, D), invalid);
    assert.throws(() => writeHl7Field([[["deep"]]] as unknown as string[], D), invalid);
  });
});

describe("writeHl7Segment and writeHl7Message", () => {
  it("fields by number, gaps left empty, trailing ones trimmed", () => {
    assert.equal(writeHl7Segment({ name: "OBX", fields: { 1: "1", 5: "x", 11: "F", 12: "" } }, D), "OBX|1||||x||||||F");
    assert.equal(writeHl7Segment({ name: "PV1", fields: {} }, D), "PV1");
  });

  it("MSH: MSH-1 and MSH-2 from the delimiters, never escaped; MSH-3 is the next field", () => {
    assert.equal(
      writeHl7Segment({ name: "MSH", fields: { 3: "APP", 9: ["ACK", "O01", "ACK"] } }, D),
      "MSH|^~\\&|APP||||||ACK^O01^ACK",
    );
    assert.equal(writeHl7Segment({ name: "MSH", fields: {} }, D), "MSH|^~\\&");
    assert.throws(() => writeHl7Segment({ name: "MSH", fields: { 2: "^~" } }, D), invalid);
  });

  it("a message: MSH first, every segment ended by CR, and it reads back", () => {
    const segments: Hl7SegmentValues[] = [
      { name: "MSH", fields: { 3: "A|B", 9: ["ORU", "R01"], 10: "ID^1", 12: "2.5.1" } },
      { name: "OBX", fields: { 1: "1", 5: "x\ry" } },
    ];
    const text = writeHl7Message(segments, D);
    assert.equal(text, "MSH|^~\\&|A\\F\\B||||||ORU^R01|ID\\S\\1||2.5.1\rOBX|1||||x\\X0D\\y\r");
    assert.equal(readHl7(text, "MSH-3"), "A|B");
    assert.equal(readHl7(text, "MSH-10"), "ID^1");
    assert.equal(readHl7(text, "OBX-5"), "x\ry");
    assert.equal(parseHl7Message(text).segments.length, 2);
  });

  it("refuses what is not a segment: bad names, bad field numbers, an array of fields, MSH not first", () => {
    for (const name of ["pid", "PI", "PIDX", "1AB", "P|D"]) {
      assert.throws(() => writeHl7Segment({ name, fields: {} }, D), invalid, name);
    }
    for (const key of ["0", "-1", "1.5", "1000", "x"]) {
      assert.throws(() => writeHl7Segment({ name: "PID", fields: { [key]: "a" } }, D), invalid, key);
    }
    assert.throws(() => writeHl7Segment({ name: "PID", fields: ["a"] }, D), invalid);
    assert.throws(() => writeHl7Message([{ name: "PID", fields: {} }], D), invalid);
    assert.throws(
      () =>
        writeHl7Message(
          [
            { name: "MSH", fields: {} },
            { name: "MSH", fields: {} },
          ],
          D,
        ),
      invalid,
    );
  });

  it("custom delimiters: the message is written with them and read back", () => {
    const d = writeDelimiters({ field: "$", component: "%", repetition: "*", escape: "#", subcomponent: "&" });
    const text = writeHl7Message(
      [
        { name: "MSH", fields: { 3: "A$B" } },
        { name: "PID", fields: { 3: { repeat: [["1%2", "", "", ["NS", "1.2"]], "X"] } } },
      ],
      d,
    );
    assert.equal(text, "MSH$%*#&$A#F#B\rPID$$$1#S#2%%%NS&1.2*X\r");
    assert.equal(readHl7(text, "PID-3.1"), "1%2");
    assert.equal(readHl7(text, "PID-3.4.2"), "1.2");
    assert.equal(readHl7(text, "PID-3[2].1"), "X");
  });
});

describe("writeDelimiters", () => {
  it("keeps a message's own characters, fills in missing ones with unused standard or spare characters", () => {
    assert.deepEqual(writeDelimiters({ field: "|", component: "^", repetition: "~" }), STANDARD_DELIMITERS);
    const d = writeDelimiters({ field: "^", component: "~", repetition: "|" });
    assert.deepEqual([d.field, d.component, d.repetition, d.escape, d.subcomponent], ["^", "~", "|", "\\", "&"]);
    const clash = writeDelimiters({ field: "&", component: "\\" });
    assert.equal(new Set([clash.field, clash.component, clash.repetition, clash.escape, clash.subcomponent]).size, 5);
  });

  it("keeps the truncation character unless asked not to", () => {
    assert.equal(writeDelimiters({ ...D, truncation: "#" }).truncation, "#");
    assert.equal(writeDelimiters({ ...D, truncation: "#" }, false).truncation, undefined);
  });

  it("refuses delimiters that are not HL7's: letters, digits, spaces, control characters, duplicates", () => {
    for (const bad of [
      { field: "a" },
      { field: "|", component: "1" },
      { field: "|", component: " " },
      { field: "\r" },
      { field: "|", component: "|" },
      { field: "" },
      {} as { field: string },
    ]) {
      assert.throws(() => writeDelimiters(bad), invalid, JSON.stringify(bad));
    }
  });
});
