import { strict as assert } from "node:assert";
import { isSanteError } from "../lib/errors";
import { isValidHl7PathList, parseHl7PathList, readHl7 } from "../lib/hl7";

describe("HL7 field path syntax", () => {
  it("parses segment, occurrence, field, repetition, component and subcomponent", () => {
    assert.deepEqual(parseHl7PathList("PID-3[MR].4.2"), [
      {
        text: "PID-3[MR].4.2",
        segment: "PID",
        segmentSelector: { kind: "occurrence", occurrence: 1 },
        field: 3,
        repetition: { kind: "filter", on: "either", equals: "MR" },
        component: 4,
        subcomponent: 2,
      },
    ]);
    assert.deepEqual(parseHl7PathList("OBX[2]-5")[0], {
      text: "OBX[2]-5",
      segment: "OBX",
      segmentSelector: { kind: "occurrence", occurrence: 2 },
      field: 5,
      repetition: { kind: "index", repetition: 1 },
    });
  });

  it("repetition selectors: a number, or a filter on either, the type, or the authority", () => {
    const rep = (path: string) => parseHl7PathList(path)[0].repetition;
    assert.deepEqual(rep("PID-3[2]"), { kind: "index", repetition: 2 });
    assert.deepEqual(rep("PID-3[HOSP_A]"), { kind: "filter", on: "either", equals: "HOSP_A" });
    assert.deepEqual(rep("PID-3[type=MR]"), { kind: "filter", on: "type", equals: "MR" });
    assert.deepEqual(rep("PID-3[Auth=2]"), { kind: "filter", on: "authority", equals: "2" });
    assert.deepEqual(rep("PID-3[auth=HOSP_A&1.2.3&ISO]"), {
      kind: "filter",
      on: "authority",
      equals: "HOSP_A&1.2.3&ISO",
    });
  });

  it("segment selectors: an occurrence, or FIELD[.C[.S]]=value", () => {
    const sel = (path: string) => parseHl7PathList(path)[0].segmentSelector;
    assert.deepEqual(sel("OBX[3.1=110180]-5"), { kind: "where", field: 3, component: 1, equals: "110180" });
    assert.deepEqual(sel("OBX[3=X]-5"), { kind: "where", field: 3, equals: "X" });
    assert.deepEqual(sel("PID[3.4.1=HOSP_A]-5"), {
      kind: "where",
      field: 3,
      component: 4,
      subcomponent: 1,
      equals: "HOSP_A",
    });
  });

  it("a list, trimmed, with lower-case segment names upper-cased", () => {
    const list = parseHl7PathList("  ipc-3.1 ,\tZds-1.1 ");
    assert.deepEqual(
      list.map((p) => [p.text, p.segment]),
      [
        ["IPC-3.1", "IPC"],
        ["ZDS-1.1", "ZDS"],
      ],
    );
  });

  it("the defaults our nodes use are valid", () => {
    for (const paths of ["IPC-3.1,ZDS-1.1", "PID-3.1", "IPC-3.1,ZDS-1.1,OBX[3.1=110180]-5", "MSH-1", "Z01-1"]) {
      assert.ok(isValidHl7PathList(paths), paths);
    }
  });

  const bad: Array<[string, RegExp]> = [
    ["", /empty/],
    ["   ", /empty/],
    ["PID", /"PID": expected SEG-F/],
    ["PID-", /"PID-"/],
    ["PID-0", /"PID-0": field numbers start at 1/],
    ["PID-3.", /"PID-3\."/],
    ["PID-3.0", /component numbers start at 1/],
    ["PID-3.1.0", /subcomponent numbers start at 1/],
    ["PID-3.1.1.1", /"PID-3\.1\.1\.1"/],
    ["PID-3[0].1", /repetition numbers start at 1/],
    ["PID-3[].1", /repetition filter needs a value/],
    ["PID-3[ MR ].1", /repetition filter needs a value/],
    ["PID-3[auth=].1", /repetition filter needs a value/],
    ["PID-3[foo=bar].1", /\[value\], \[type=value\] or \[auth=value\]/],
    ["PID-3[1][MR].1", /"PID-3\[1\]\[MR\]\.1"/],
    ["PID-3[1234567]", /too large/],
    ["PID-1234567", /expected SEG-F/],
    ["OBX[0]-5", /segment occurrence numbers start at 1/],
    ["OBX[MR]-5", /a segment selector is \[n\] or \[FIELD=value\]/],
    ["OBX[3.1=]-5", /a segment selector/],
    ["OBX[0.1=X]-5", /field numbers start at 1/],
    ["PI-3", /"PI-3"/],
    ["PIDX-3", /"PIDX-3"/],
    ["1PD-3", /"1PD-3"/],
    ["PID 3", /"PID 3"/],
    ["PID - 3", /"PID - 3"/],
    ["PID.3.1", /"PID\.3\.1"/],
    ["PID-3.1,", /an empty entry/],
    ["IPC-3.1,,ZDS-1.1", /an empty entry/],
    ["IPC-3.1,ZDS", /"ZDS"/],
  ];
  for (const [paths, message] of bad) {
    it(`rejects ${JSON.stringify(paths)}`, () => {
      assert.equal(isValidHl7PathList(paths), false);
      for (const fn of [() => parseHl7PathList(paths), () => readHl7("MSH|^~\\&|A", paths)]) {
        assert.throws(fn, (err: unknown) => isSanteError(err, "SANTE_INVALID_INPUT") && message.test(err.message));
      }
    });
  }

  it("a very long bad path is shortened in the message", () => {
    const long = `PID-3[${"x".repeat(500)}`;
    assert.throws(
      () => parseHl7PathList(long),
      (err: unknown) => isSanteError(err) && err.message.length < 200 && err.message.includes("PID-3[xxx"),
    );
  });

  it("isValidHl7PathList is false for what is not a string", () => {
    for (const value of [undefined, null, 42, ["PID-3.1"]]) {
      assert.equal(isValidHl7PathList(value as unknown as string), false, String(value));
    }
  });
});
