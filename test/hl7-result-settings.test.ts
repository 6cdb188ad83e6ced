import { strict as assert } from "node:assert";
import { DEFAULT_LINK_CODE } from "../lib/hl7";
import { readResultOptions } from "../lib/hl7/result-settings";

describe("readResultOptions (the result node's settings, without Node-RED)", () => {
  it("gives RAD-128's ORU and the default link code for a node saved without the fields", () => {
    assert.deepEqual(readResultOptions({}), { shape: "oru", controlIdFrom: "new", linkCode: DEFAULT_LINK_CODE });
    assert.deepEqual(readResultOptions({ shape: "", controlIdFrom: "", linkCode: " ", sendingApplication: "" }), {
      shape: "oru",
      controlIdFrom: "new",
      linkCode: DEFAULT_LINK_CODE,
    });
  });

  it("takes a site's code with its text and system as typed, and names or whole HDs for MSH-3 to MSH-6", () => {
    assert.deepEqual(
      readResultOptions({
        shape: "status",
        controlIdFrom: "order",
        linkCode: " 18748-4 ",
        linkText: "",
        linkSystem: "LN",
        sendingApplication: "PACS",
        receivingFacility: "HOSP^1.2.840.1^ISO",
      }),
      {
        shape: "status",
        controlIdFrom: "order",
        linkCode: { code: "18748-4", text: "", system: "LN" },
        sendingApplication: "PACS",
        receivingFacility: { namespaceId: "HOSP", universalId: "1.2.840.1", universalIdType: "ISO" },
      },
    );
  });

  it("refuses an unknown shape or control ID source, an HD of more than three parts and values that are not text", () => {
    assert.throws(() => readResultOptions({ shape: "xml" }), { code: "SANTE_INVALID_INPUT", message: /shape/ });
    assert.throws(() => readResultOptions({ controlIdFrom: "msh" }), {
      code: "SANTE_INVALID_INPUT",
      message: 'controlIdFrom must be one of "new", "order", got "msh"',
    });
    assert.throws(() => readResultOptions({ receivingApplication: "A^B^C^D" }), /at most 3 parts/);
    assert.throws(() => readResultOptions({ linkCode: 5 }), /linkCode must be text/);
  });
});
