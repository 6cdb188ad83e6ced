import { strict as assert } from "node:assert";
import fc from "fast-check";
import { isSanteError } from "../lib/errors";
import { decodeMessage, encodeMessage } from "../lib/wait/message-copy";

function refusal(msg: unknown, maxBytes?: number): string {
  try {
    encodeMessage(msg, maxBytes);
  } catch (err) {
    assert.ok(isSanteError(err, "SANTE_INVALID_INPUT"), `${String(err)} is SANTE_INVALID_INPUT`);
    return err.message;
  }
  assert.fail("the message was accepted");
}

/** What an `http in` node puts on msg.res: a plain object of functions around the server's response. */
function httpInResponse(): Record<string, unknown> {
  class ServerResponse {}
  return { _res: new ServerResponse(), send: () => undefined, status: () => undefined };
}

describe("wait message copy", () => {
  it("keeps a typical order message, Buffers included, and gives it back equal", () => {
    const msg = {
      _msgid: "a1b2c3",
      payload: Buffer.from("MSH|^~\\&|RIS|…\rORC|NW|ORD1\r", "utf8"),
      topic: "orders",
      sante: { studyInstanceUid: "1.2.3" },
      list: [1, "two", null, true, { deep: [Buffer.from([0, 255])] }],
      nothing: undefined,
    };
    const back = decodeMessage(encodeMessage(msg));
    assert.ok(Buffer.isBuffer(back.payload), "payload is a Buffer again");
    const { nothing, ...expected } = msg;
    assert.equal(nothing, undefined);
    assert.deepEqual(back, expected);
    assert.equal("nothing" in back, false, "an undefined property is left out, as JSON leaves it out");
  });

  it("refuses an http in request's msg.res at once, saying what to do", () => {
    const message = refusal({ payload: "x", req: { params: {} }, res: httpInResponse() });
    assert.match(message, /cannot keep the message for a wait: msg\.res\._res is an object of class ServerResponse/);
    assert.match(message, /answer it first .* delete msg\.res and msg\.req/);
  });

  it("names the part that cannot be kept, and why", () => {
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    assert.match(refusal({ payload: circular }), /msg\.payload\.self refers back to an object that contains it/);
    assert.match(refusal({ f: () => 1 }), /msg\.f is a function/);
    assert.match(refusal({ when: new Date(0) }), /msg\.when is a Date \(keep it as text/);
    assert.match(refusal({ n: NaN }), /msg\.n is NaN, which JSON cannot hold/);
    assert.match(refusal({ n: [1, Infinity] }), /msg\.n\[1\] is Infinity/);
    assert.match(refusal({ big: 10n }), /msg\.big is a BigInt/);
    assert.match(refusal({ s: Symbol("x") }), /msg\.s is a symbol/);
    assert.match(refusal({ "odd key": new Uint16Array(2) }), /msg\["odd key"\] is a typed array/);
    assert.match(refusal({ a: [1, undefined] }), /msg\.a\[1\] is undefined/);
    // eslint-disable-next-line no-sparse-arrays
    assert.match(refusal({ a: [1, , 3] }), /msg\.a\[1\] is undefined/);
    assert.match(refusal({ m: new Map() }), /msg\.m is an object of class Map/);
    assert.match(refusal("text"), /msg is a string, not an object/);
    assert.match(refusal(null), /msg is null, not an object/);
  });

  it("refuses a message larger than the cap, saying both sizes", () => {
    assert.match(refusal({ payload: "x".repeat(3000) }, 2048), /msg is 3 KiB as JSON; .* at most 2 KiB/);
  });

  it("shares no objects with the original, and a key named __proto__ stays a key", () => {
    const msg = JSON.parse('{"__proto__": {"polluted": true}, "a": {"b": 1}}') as Record<string, unknown>;
    const back = decodeMessage(encodeMessage(msg));
    assert.deepEqual(Object.keys(back), ["__proto__", "a"]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.notEqual(back.a, msg.a);
  });

  it("gives back any JSON value and Buffers as they were (property)", () => {
    const leaf = fc.oneof(
      fc.string(),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
      fc.boolean(),
      fc.constant(null),
      fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: "small" }, leaf, tie("array"), tie("object")),
      array: fc.array(tie("node"), { maxLength: 5 }),
      object: fc.dictionary(fc.string(), tie("node"), { maxKeys: 5, noNullPrototype: true }),
    })).object;
    fc.assert(
      fc.property(value, (msg) => {
        assert.deepEqual(decodeMessage(encodeMessage(msg)), msg);
      }),
    );
  });
});
