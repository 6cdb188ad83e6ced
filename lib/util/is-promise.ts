/** Whether a value that may come now or later is a promise (any thenable), so the caller can skip one when it is not. */
export function isPromise<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === "function";
}
