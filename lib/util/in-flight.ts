/**
 * The messages a node is still handling, each of which must end exactly once.
 * Closing the node fails those that are left, so a redeploy ends each with
 * SANTE_CLOSED even when the PACS's client lives on in an unchanged config
 * node; whatever comes for one later finds it ended and is dropped. The items
 * themselves are the handles (no ticket object or closure per message).
 */
export class InFlight<T> {
  private readonly open = new Set<T>();

  constructor(private readonly onChange: (count: number) => void) {}

  get size(): number {
    return this.open.size;
  }

  start(item: T): void {
    this.open.add(item);
    this.onChange(this.open.size);
  }

  /** Whether `item` is still being handled (not yet ended). */
  has(item: T): boolean {
    return this.open.has(item);
  }

  /** Ends `item`: true the first time, false once it has ended (the caller then does nothing more with it). */
  end(item: T): boolean {
    if (!this.open.delete(item)) return false;
    this.onChange(this.open.size);
    return true;
  }

  /** Ends every item still open, oldest first, handing each to `fail`. */
  failAll(fail: (item: T) => void): void {
    const left = [...this.open];
    this.open.clear();
    for (const item of left) fail(item);
    if (left.length > 0) this.onChange(0);
  }
}
