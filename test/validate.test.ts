import { strict as assert } from "node:assert";
import fc from "fast-check";
import { SanteError, validatePatientId, validateStudyInstanceUid, viewerUrl } from "../lib/sante";

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    assert.ok(err instanceof SanteError);
    return err.code;
  }
}

describe("input validation", () => {
  it("accepts Study Instance UIDs, leading zeros inside a component included", () => {
    assert.equal(
      validateStudyInstanceUid(" 1.2.826.0.1.3748527.1.4.2.0.20181120.185921.384642 "),
      "1.2.826.0.1.3748527.1.4.2.0.20181120.185921.384642",
    );
    assert.equal(validateStudyInstanceUid("1.2.840.0010.5"), "1.2.840.0010.5");
    assert.equal(validateStudyInstanceUid("1." + "2".repeat(62)), "1." + "2".repeat(62));
  });

  for (const bad of ["", "   ", ".1.2", "1.2.", "1..2", "1.2a", "1.2\r3", "1." + "2".repeat(63), "1.2 3"]) {
    it(`refuses the Study Instance UID ${JSON.stringify(bad)}`, () => {
      assert.equal(
        code(() => validateStudyInstanceUid(bad)),
        "SANTE_INVALID_INPUT",
      );
    });
  }

  it("refuses values that are not text", () => {
    for (const bad of [null, undefined, {}, [], 1.5, -1, true]) {
      assert.equal(
        code(() => validateStudyInstanceUid(bad)),
        "SANTE_INVALID_INPUT",
      );
      assert.equal(
        code(() => validatePatientId(bad)),
        "SANTE_INVALID_INPUT",
      );
    }
  });

  it("accepts Patient IDs of any printable text up to 64 characters after trimming", () => {
    assert.equal(validatePatientId(" ID200631zw609 "), "ID200631zw609");
    assert.equal(validatePatientId(12345), "12345");
    assert.equal(validatePatientId("Müller^Hans-99 /A"), "Müller^Hans-99 /A");
  });

  it("reads a Buffer (what a tcp in or file node sends) as UTF-8 text", () => {
    assert.equal(validateStudyInstanceUid(Buffer.from("1.2.840.10008 \r\n")), "1.2.840.10008");
    assert.equal(validatePatientId(Buffer.from("Müller-7", "utf8")), "Müller-7");
  });

  it("shows control characters of a refused value as \\xNN in the message, so a log line stays one line", () => {
    const message = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return (err as Error).message;
      }
      return assert.fail("expected an error");
    };
    assert.match(
      message(() => validateStudyInstanceUid("1.2\r3")),
      /"1\.2\\x0d3"/,
    );
    assert.match(
      message(() => validatePatientId("a\x10b")),
      /"a\\x10b"/,
    );
    assert.doesNotMatch(
      message(() => validatePatientId("a\nb")),
      /\n/,
    );
  });

  for (const bad of ["", "a\\b", "a\rb", "\x10x", "a\tb", "x".repeat(65)]) {
    it(`refuses the Patient ID ${JSON.stringify(bad)}`, () => {
      assert.equal(
        code(() => validatePatientId(bad)),
        "SANTE_INVALID_INPUT",
      );
    });
  }

  it("never lets a value through that could break a frame", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 80 }), (s) => {
        for (const validate of [validatePatientId, validateStudyInstanceUid]) {
          let out: string;
          try {
            out = validate(s);
          } catch {
            continue;
          }
          assert.ok(!/[\x00-\x1f\x7f]/.test(out), JSON.stringify(out));
          assert.ok(out.length >= 1 && out.length <= 64);
        }
      }),
    );
  });
});

describe("viewerUrl", () => {
  const token = "rXplcx6FHk9KlrZs18j1p77rGy881TAOmsjAyLwSW3gRauyKNGwrVvhagXaK69Gs";

  it("writes the link exactly as the vendor document does", () => {
    assert.equal(
      viewerUrl({ host: "127.0.0.1", port: 3000, ssl: false, token }),
      `sante://download?url=127.0.0.1:3000&ssl=no&token=${token}`,
    );
    assert.equal(
      viewerUrl({ host: "mycompany.com", ssl: true, token }),
      `sante://download?url=mycompany.com:3000&ssl=yes&token=${token}`,
    );
  });

  it("puts IPv6 hosts in brackets", () => {
    assert.equal(
      viewerUrl({ host: "::1", port: 3001, token: "abc" }),
      "sante://download?url=[::1]:3001&ssl=no&token=abc",
    );
  });

  it("percent-encodes a token with characters outside the unreserved set", () => {
    assert.equal(
      viewerUrl({ host: "h", token: "a+b/c=&d é" }),
      "sante://download?url=h:3000&ssl=no&token=a%2Bb%2Fc%3D%26d%20%C3%A9",
    );
    assert.equal(viewerUrl({ host: "h", token: "a.b_c~d-e" }), "sante://download?url=h:3000&ssl=no&token=a.b_c~d-e");
  });

  it("refuses a missing token, a bad host or port", () => {
    assert.equal(
      code(() => viewerUrl({ host: "h", token: "" })),
      "SANTE_INVALID_INPUT",
    );
    assert.equal(
      code(() => viewerUrl({ host: "a/b", token: "t" })),
      "SANTE_INVALID_INPUT",
    );
    for (const host of ["", "a/b", "a b", "a?b", "a#b", "a&b", "user@h", "a\\b"]) {
      assert.equal(
        code(() => viewerUrl({ host, token: "t" })),
        "SANTE_INVALID_INPUT",
        host,
      );
    }
    for (const port of [0, 65536, 70000, 3000.5]) {
      assert.equal(
        code(() => viewerUrl({ host: "h", port, token: "t" })),
        "SANTE_INVALID_INPUT",
        String(port),
      );
    }
    assert.equal(viewerUrl({ host: "h", port: 65535, token: "t" }), "sante://download?url=h:65535&ssl=no&token=t");
  });

  it("takes the host without surrounding spaces", () => {
    assert.equal(
      viewerUrl({ host: " pacs.local ", token: "t" }),
      "sante://download?url=pacs.local:3000&ssl=no&token=t",
    );
  });
});
