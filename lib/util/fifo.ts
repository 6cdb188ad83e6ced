/**
 * A first-in first-out queue with O(1) shift, for the lookups waiting for a
 * connection. An Array's shift() is O(n), which a backlog of thousands of
 * lookups would feel.
 */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** Put an item back at the front (a lookup retried after its connection was lost). */
  unshift(item: T): void {
    if (this.head > 0) this.items[--this.head] = item;
    else this.items.unshift(item);
  }

  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Empty the queue, handing each item to `fn` in order. */
  drain(fn: (item: T) => void): void {
    const items = this.items.slice(this.head) as T[];
    this.items = [];
    this.head = 0;
    for (const item of items) fn(item);
  }
}
