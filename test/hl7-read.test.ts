import { strict as assert } from "node:assert";
import { isSanteError } from "../lib/errors";
import { readHl7 } from "../lib/hl7";
import {
  ADT_A01,
  ADT_CUSTOM,
  mllp,
  OMI_O23,
  ORM_O01,
  ORU_R01,
  OTHER_UID,
  seg,
  STUDY_UID,
} from "./fixtures/hl7/samples";

/** The SanteError a call throws; fails the test when it does not throw one with SANTE_INVALID_INPUT. */
function invalidInput(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(isSanteError(err, "SANTE_INVALID_INPUT"), `expected SANTE_INVALID_INPUT, got ${String(err)}`);
    return err.message;
  }
  assert.fail("expected an error");
}

describe("readHl7: the messages our nodes read", () => {
  it("ADT^A01: PID-3.1 is the first repetition's ID", () => {
    assert.equal(readHl7(ADT_A01, "PID-3.1"), "12345");
  });

  it("ADT^A01: a repetition by number", () => {
    assert.equal(readHl7(ADT_A01, "PID-3[1].1"), "12345");
    assert.equal(readHl7(ADT_A01, "PID-3[2].1"), "987654321");
    assert.equal(readHl7(ADT_A01, "PID-3[3].1"), "NAT-77");
  });

  it("ADT^A01: a repetition by identifier type (CX.5)", () => {
    assert.equal(readHl7(ADT_A01, "PID-3[SS].1"), "987654321");
    assert.equal(readHl7(ADT_A01, "PID-3[type=NI].1"), "NAT-77");
    assert.equal(readHl7(ADT_A01, "PID-3[TYPE=MR].1"), "12345");
  });

  it("ADT^A01: a repetition by assigning authority (CX.4): namespace ID or the whole HD", () => {
    assert.equal(readHl7(ADT_A01, "PID-3[SSA].1"), "987654321");
    assert.equal(readHl7(ADT_A01, "PID-3[auth=HOSP_A].1"), "12345");
    assert.equal(readHl7(ADT_A01, "PID-3[auth=HOSP_A&1.2.840.1234&ISO].1"), "12345");
    assert.equal(readHl7(ADT_A01, "PID-3[&2.16.840.1.113883.4.1&ISO].1"), "NAT-77", "an authority with only an OID");
    assert.equal(readHl7(ADT_A01, "PID-3[HOSP_A].4.2"), "1.2.840.1234");
  });

  it("ADT^A01: type= and auth= look only where they say", () => {
    assert.match(
      invalidInput(() => readHl7(ADT_A01, "PID-3[type=SSA].1")),
      /No value at PID-3\[type=SSA\]\.1/,
    );
    assert.match(
      invalidInput(() => readHl7(ADT_A01, "PID-3[auth=SS].1")),
      /No value at PID-3\[auth=SS\]\.1/,
    );
    assert.throws(() => readHl7(ADT_A01, "PID-3[mr].1"), /No value/, "filters are case-sensitive");
    assert.throws(() => readHl7(ADT_A01, "PID-3[4].1"), /No value/, "there are 3 repetitions");
  });

  it("ADT^A01: a whole field or component keeps its delimiters", () => {
    assert.equal(readHl7(ADT_A01, "PID-3"), "12345^^^HOSP_A&1.2.840.1234&ISO^MR");
    assert.equal(readHl7(ADT_A01, "PID-3[SS]"), "987654321^^^SSA^SS");
    assert.equal(readHl7(ADT_A01, "PID-3.4"), "HOSP_A&1.2.840.1234&ISO");
    assert.equal(readHl7(ADT_A01, "PID-5.2"), "JANE");
  });

  it("ORM^O01: ZDS-1.1 is the Study Instance UID, and the default list falls back to it", () => {
    assert.equal(readHl7(ORM_O01, "ZDS-1.1"), STUDY_UID);
    assert.equal(readHl7(ORM_O01, "IPC-3.1,ZDS-1.1"), STUDY_UID);
    assert.equal(readHl7(ORM_O01, "ZDS-1.4"), "DICOM");
    assert.equal(readHl7(ORM_O01, "OBR-18"), "ACC1001");
  });

  it("OMI^O23: IPC-3.1 is the Study Instance UID; IPC[2] is the second IPC", () => {
    assert.equal(readHl7(OMI_O23, "IPC-3.1,ZDS-1.1"), STUDY_UID);
    assert.equal(readHl7(OMI_O23, "IPC-4"), "SPS1002");
    assert.equal(readHl7(OMI_O23, "IPC[2]-4"), "SPS1003");
    assert.equal(readHl7(OMI_O23, "IPC[2]-9"), "MRSCANNER2");
    assert.throws(() => readHl7(OMI_O23, "IPC[3]-4"), /No value at IPC\[3\]-4/);
  });

  it("ORU^R01: the n-th OBX, or the first OBX whose OBX-3.1 is 110180", () => {
    assert.equal(readHl7(ORU_R01, "OBX-5"), "No acute intracranial findings.");
    assert.equal(readHl7(ORU_R01, "OBX[3]-5"), STUDY_UID);
    assert.equal(readHl7(ORU_R01, "OBX[4]-5"), OTHER_UID);
    assert.equal(readHl7(ORU_R01, "OBX[3.1=110180]-5"), STUDY_UID);
    assert.equal(readHl7(ORU_R01, "OBX[3.3=DCM]-5"), "MR");
    assert.equal(readHl7(ORU_R01, "OBX[2=UI]-5"), STUDY_UID);
    assert.equal(readHl7(ORU_R01, "IPC-3.1,ZDS-1.1,OBX[3.1=110180]-5"), STUDY_UID);
    assert.throws(() => readHl7(ORU_R01, "OBX[3.1=999999]-5"), /No value at OBX\[3\.1=999999\]-5/);
  });

  it("MSH follows HL7 numbering: MSH-1 is the field separator, MSH-2 the encoding characters", () => {
    assert.equal(readHl7(ADT_A01, "MSH-1"), "|");
    assert.equal(readHl7(ADT_A01, "MSH-2"), "^~\\&", "MSH-2 is returned as written, not decoded");
    assert.equal(readHl7(ADT_A01, "MSH-3"), "ADT1");
    assert.equal(readHl7(ADT_A01, "MSH-9.1"), "ADT");
    assert.equal(readHl7(ADT_A01, "MSH-9.2"), "A01");
    assert.equal(readHl7(ADT_A01, "MSH-10"), "MSG00001");
    assert.equal(readHl7(ADT_A01, "MSH-18"), "UNICODE UTF-8");
    assert.throws(() => readHl7(ADT_A01, "MSH-2.2"), /No value/, "MSH-2 has no components");
  });
});

describe("readHl7: framing, line ends, encodings", () => {
  const forms: Array<[string, string | Buffer]> = [
    ["CR string", ORM_O01],
    ["LF string", ORM_O01.replace(/\r/g, "\n")],
    ["CRLF string", ORM_O01.replace(/\r/g, "\r\n")],
    ["CR Buffer", Buffer.from(ORM_O01)],
    ["MLLP-framed Buffer", mllp(ORM_O01)],
    ["MLLP-framed CRLF Buffer", mllp(ORM_O01.replace(/\r/g, "\r\n"))],
    ["MLLP-framed string", `\x0b${ORM_O01}\x1c\r`],
    ["blank lines and a trailing CR", `\r\n${ORM_O01.replace(/\r/g, "\r\r\n")}\r`],
    ["a UTF-8 byte-order mark", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(ORM_O01)])],
  ];
  for (const [name, message] of forms) {
    it(`${name}: every segment is found`, () => {
      assert.equal(readHl7(message, "MSH-10"), "MSG00002");
      assert.equal(readHl7(message, "PID-3[MR].1"), "12345");
      assert.equal(readHl7(message, "IPC-3.1,ZDS-1.1"), STUDY_UID, "the last segment");
      assert.equal(readHl7(message, "ZDS-1.4"), "DICOM", "the end of the message, framing bytes removed");
    });
  }

  it("a Buffer is read as UTF-8", () => {
    const message = seg("MSH|^~\\&|A|B|C|D|20240101||ADT^A08|1|P|2.5", "PID|1||ÅSA-ÉÈ-Ω^^^HOSP^MR");
    assert.equal(readHl7(Buffer.from(message, "utf8"), "PID-3.1"), "ÅSA-ÉÈ-Ω");
  });

  it("only the first of several messages is read", () => {
    const two = seg(ORM_O01, OMI_O23);
    assert.equal(readHl7(two, "MSH-10"), "MSG00002");
    assert.throws(() => readHl7(two, "IPC-3.1"), /No value at IPC-3\.1/);
    const framed = Buffer.concat([mllp(ORM_O01), mllp(OMI_O23)]);
    assert.equal(readHl7(framed, "MSH-10"), "MSG00002");
    assert.throws(() => readHl7(framed, "IPC-3.1"), /No value at IPC-3\.1/);
  });

  it("custom delimiters from MSH-1 and MSH-2 (MSH$%*#&)", () => {
    assert.equal(readHl7(ADT_CUSTOM, "MSH-1"), "$");
    assert.equal(readHl7(ADT_CUSTOM, "MSH-2"), "%*#&");
    assert.equal(readHl7(ADT_CUSTOM, "MSH-9.2"), "A01");
    assert.equal(readHl7(ADT_CUSTOM, "PID-3.1"), "12345");
    assert.equal(readHl7(ADT_CUSTOM, "PID-3[SS].1"), "987654321");
    assert.equal(readHl7(ADT_CUSTOM, "PID-3[auth=HOSP_A&1.2.840.1234&ISO].1"), "12345");
    assert.equal(readHl7(ADT_CUSTOM, "PID-3.4.2"), "1.2.840.1234");
    assert.equal(readHl7(ADT_CUSTOM, "PID-5.2"), "JANE");
    assert.equal(readHl7(ADT_CUSTOM, "ZDS-1.1"), "1.2.3$4", "#F# is the field separator $");
  });

  it("v2.7 truncation character: a fifth encoding character, not a delimiter, and \\P\\ decodes to it", () => {
    const message = seg("MSH|^~\\&#|A|B|C|D|20240101||ADT^A08|1|P|2.7", "PID|1||LONGID#^^^HOSP^MR~A\\P\\B^^^X^PI");
    assert.equal(readHl7(message, "MSH-2"), "^~\\&#");
    assert.equal(readHl7(message, "PID-3.1"), "LONGID#");
    assert.equal(readHl7(message, "PID-3[PI].1"), "A#B");
  });
});

describe("readHl7: multi-line text in a field (a bare LF in a message whose segments end with CR)", () => {
  // A report as some RIS send it: CR ends segments, the report's own lines are LF-separated inside OBX-5.
  const report = (end: string) =>
    [
      "MSH|^~\\&|RIS|HOSP_A|PACS|RAD|20240101140000||ORU^R01^ORU_R01|MSG00009|P|2.5.1",
      "PID|1||12345^^^HOSP_A^MR||DOE^JANE",
      "OBR|1|ORD1002|ACC1002|MRBRAIN^MR BRAIN",
      "OBX|1|TX|GDT^Report^L||Findings:\nNo acute intracranial findings.\nImpression: normal.||||||F",
      `OBX|2|UI|110180^Study Instance UID^DCM||${STUDY_UID}||||||F`,
    ].join(end) + end;

  it("CR: the LF stays in the value, and the rest of the segment and message are read", () => {
    const message = report("\r");
    assert.equal(
      readHl7(message, "OBX-5"),
      "Findings:\nNo acute intracranial findings.\nImpression: normal.",
      "the whole report",
    );
    assert.equal(readHl7(message, "OBX-11"), "F", "the fields after the report");
    assert.equal(readHl7(message, "OBX[3.1=110180]-5"), STUDY_UID, "the next segment");
    assert.equal(readHl7(mllp(message), "OBX[2]-11"), "F");
  });

  it("CRLF: the same (CRLF ends segments, a bare LF is data)", () => {
    const message = report("\r\n");
    assert.equal(readHl7(message, "OBX-5"), "Findings:\nNo acute intracranial findings.\nImpression: normal.");
    assert.equal(readHl7(message, "OBX-11"), "F");
    assert.equal(readHl7(message, "OBX[2]-5"), STUDY_UID);
  });

  it("LF: a message whose MSH ends with LF splits on every line end, as before", () => {
    const message = seg(ORM_O01).replace(/\r/g, "\n");
    assert.equal(readHl7(message, "ZDS-1.1"), STUDY_UID);
    // Here the report's lines cannot be told from segments: OBX-5 is its first line.
    assert.equal(readHl7(report("\n"), "OBX-5"), "Findings:");
  });

  it("the line end of MSH decides: a LF file with one CRLF line still splits at every LF", () => {
    // As in a corpus file (HL7-dotnetcore's tests): MSH ends with LF, a later segment with CRLF.
    const message = "MSH|^~\\&|SA|SF|RA|RF|20110613083617||ADT^A04|123|P|2.7\n\nEVN|A04|20110613083617||\r\n";
    assert.equal(readHl7(message, "MSH-10"), "123");
    assert.equal(readHl7(message, "EVN-1"), "A04");
  });

  it("a LF right after a CR is a blank line, not the start of the next segment's name", () => {
    const message = seg(ORM_O01).replace(/\r/g, "\r\n\n");
    assert.equal(readHl7(message, "PID-3.1"), "12345");
    assert.equal(readHl7(message, "ZDS-1.1"), STUDY_UID);
  });
});

describe("readHl7: escape sequences", () => {
  const msh = "MSH|^~\\&|A|B|C|D|20240101||ADT^A08|1|P|2.5";
  const read = (value: string) => readHl7(seg(msh, `ZZZ|${value}`), "ZZZ-1");

  it("delimiter escapes decode to the message's own delimiters", () => {
    assert.equal(read("A\\F\\B\\S\\C\\T\\D\\R\\E\\E\\F"), "A|B^C&D~E\\F");
    assert.equal(
      readHl7(seg(msh, "PID|1||AB\\T\\C^^^HOSP^MR"), "PID-3.1"),
      "AB&C",
      "an escaped & is not a subcomponent",
    );
    assert.equal(readHl7(seg(msh, "PID|1||AB\\T\\C^^^HOSP^MR"), "PID-3.1.1"), "AB&C");
    assert.equal(readHl7(seg(msh, "PID|1||X\\R\\Y^^^HOSP^MR~Z"), "PID-3[2]"), "Z", "an escaped ~ is not a repetition");
  });

  it("\\X..\\ is hex bytes: UTF-8, or ISO 8859-1 when they are not UTF-8", () => {
    assert.equal(read("\\X414243\\"), "ABC");
    assert.equal(read("caf\\XC3A9\\ \\XE282AC\\"), "café €");
    assert.equal(read("caf\\XE9\\"), "café");
  });

  it("formatting: \\.br\\ and \\.sp\\ are line breaks; highlighting and other commands are dropped", () => {
    assert.equal(read("line 1\\.br\\line 2"), "line 1\nline 2");
    assert.equal(read("a\\.sp2\\b"), "a\nb");
    assert.equal(read("\\H\\IMPORTANT\\N\\ text"), "IMPORTANT text");
    assert.equal(read("\\.in+4\\indented\\.ce\\"), "indented");
    assert.equal(read("x\\C2842\\y\\Zlocal\\z"), "xyz");
  });

  it("unknown or unclosed sequences stay as they are", () => {
    assert.equal(read("C:\\Q\\dir"), "C:\\Q\\dir");
    assert.equal(read("open \\F"), "open \\F");
    assert.equal(read("\\\\F\\"), "\\|");
    assert.equal(read("\\XZZ\\"), "\\XZZ\\");
  });

  it("a custom escape character (#)", () => {
    const custom = seg("MSH$%*#&$A$B", "ZZZ$a#F#b#S#c#T#d#R#e#E#f#X41#");
    assert.equal(readHl7(custom, "ZZZ-1"), "a$b%c&d*e#fA");
  });

  it('surrounding spaces are removed, and the HL7 null "" is no value', () => {
    assert.equal(read("  ID 42  "), "ID 42");
    assert.throws(() => read('""'), /No value at ZZZ-1/);
    assert.throws(() => read("   "), /No value at ZZZ-1/);
  });
});

describe("readHl7: path lists and errors", () => {
  it("the first path that yields a non-empty value wins; white space around paths is ignored", () => {
    assert.equal(readHl7(OMI_O23, " IPC-3.1 , ZDS-1.1 "), STUDY_UID);
    assert.equal(readHl7(ORM_O01, "IPC-3.1,ZDS-2,ZDS-1.1"), STUDY_UID, "ZDS-2 is empty");
    assert.equal(readHl7(ADT_A01, "PID-3[XX].1,PID-3[SS].1,PID-3.1"), "987654321");
    assert.equal(readHl7(ADT_A01, "pid-3.1"), "12345", "lower-case segment names");
  });

  it("no value: names every path tried, and the message type and control ID only", () => {
    const one = invalidInput(() => readHl7(ADT_A01, "ipc-3.1"));
    assert.equal(one, "No value at IPC-3.1 in the HL7 message (ADT^A01^ADT_A01, control ID MSG00001)");
    const two = invalidInput(() => readHl7(ADT_A01, "IPC-3.1,ZDS-1.1"));
    assert.equal(two, "No value at IPC-3.1 or ZDS-1.1 in the HL7 message (ADT^A01^ADT_A01, control ID MSG00001)");
    const three = invalidInput(() => readHl7(ADT_A01, "IPC-3.1,ZDS-1.1,OBX[3.1=110180]-5"));
    assert.match(three, /^No value at IPC-3\.1, ZDS-1\.1 or OBX\[3\.1=110180\]-5 in the HL7 message/);
    for (const patientData of ["12345", "DOE", "JANE", "19700101", "MAIN ST", "987654321", "Welby"]) {
      assert.ok(!three.includes(patientData), `the error quotes ${patientData}`);
    }
  });

  it("no value in a message without MSH-9 or MSH-10 names neither", () => {
    assert.equal(
      invalidInput(() => readHl7("MSH|^~\\&|A", "PID-3.1")),
      "No value at PID-3.1 in the HL7 message",
    );
  });

  it("MSH-9 and MSH-10 appear in errors short and printable", () => {
    const long = `MSH|^~\\&|A|B|C|D|1||ADT^A01|${"9".repeat(100)}\x07|P|2.5`;
    const message = invalidInput(() => readHl7(long, "PID-3.1"));
    assert.ok(message.length < 120, message);
    assert.ok(!/[\x00-\x1f]/.test(message), message);
  });

  it("not HL7 v2: SANTE_INVALID_INPUT without quoting the payload", () => {
    const payloads: Array<string | Buffer> = [
      "",
      "this is not an HL7 message about DOE^JANE",
      "PID|1||12345^^^HOSP_A^MR||DOE^JANE",
      '{"pid":"12345"}',
      "MSH",
      "FHS|^~\\&|A\rBHS|^~\\&\rMSH|^~\\&|A",
      Buffer.from([0x0b, 0x1c, 0x0d]),
      "MSHA^~\\&|x",
      "MSH|^^\\&|A",
      "MSH||A",
    ];
    for (const payload of payloads) {
      const message = invalidInput(() => readHl7(payload, "PID-3.1"));
      assert.match(message, /^The message is not HL7 v2/);
      assert.ok(!message.includes("DOE") && !message.includes("12345"), message);
    }
  });

  it("a bad path list is reported before the message is looked at", () => {
    assert.match(
      invalidInput(() => readHl7("not HL7", "PID-0")),
      /Invalid HL7 field path "PID-0"/,
    );
  });
});
