import { strict as assert } from "node:assert";
import fc from "fast-check";
import { ChurnMap } from "../lib/util/churn-map";

describe("ChurnMap", () => {
  it("holds what a Map holds, in insertion order, after any sets, deletes and clears", () => {
    // Keys as the listener makes them: "<run>:<connection>:<n>", and base64 digests; never array indexes.
    const key = fc.oneof(
      fc.tuple(fc.nat(3), fc.nat(20)).map(([c, n]) => `RUN:${c}:${n}`),
      // (a short one can be all digits, an array index, which objects enumerate first: left out, as documented)
      fc.base64String({ minLength: 4, maxLength: 8 }).filter((k) => !/^\d+$/.test(k)),
    );
    const op = fc.oneof(
      fc.tuple(fc.constant("set" as const), key, fc.integer()),
      fc.tuple(fc.constant("delete" as const), key, fc.constant(0)),
      fc.tuple(fc.constant("clear" as const), fc.constant(""), fc.constant(0)),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const model = new Map<string, number>();
        const map = new ChurnMap<number>();
        for (const [name, k, v] of ops) {
          if (name === "set") {
            model.set(k, v);
            map.set(k, v);
          } else if (name === "delete") {
            model.delete(k);
            map.delete(k);
          } else {
            model.clear();
            map.clear();
          }
          assert.equal(map.size, model.size);
          assert.equal(map.get(k), model.get(k));
        }
        assert.deepEqual(map.values(), [...model.values()]);
      }),
    );
  });

  it("gives a snapshot: values() does not change with the map", () => {
    const map = new ChurnMap<number>();
    map.set("a:1", 1);
    const values = map.values();
    map.set("a:2", 2);
    map.delete("a:1");
    assert.deepEqual(values, [1]);
    assert.deepEqual(map.values(), [2]);
    assert.equal(map.get("toString"), undefined);
  });
});
