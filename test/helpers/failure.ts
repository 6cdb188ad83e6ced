import { strict as assert } from "node:assert";
import { SanteError } from "../../lib/errors";

/** The SanteError a promise rejects with; fails the test if it resolves, or rejects with anything else. */
export async function failure(promise: Promise<unknown>): Promise<SanteError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof SanteError, `expected a SanteError, got ${String(err)}`);
    assert.ok(Object.prototype.hasOwnProperty.call(err, "code"), "code must be an own property");
    return err;
  }
  assert.fail("expected a failure");
}
