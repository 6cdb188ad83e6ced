/**
 * The reply timeouts of all messages with the flow, on one timer. They all last the same, so they run out in the
 * order the messages came, which is the order of the listener's pending messages (a ChurnMap keeps insertion
 * order): the timer waits for the first one, expires what is due, and waits for the next. A timer per message
 * would cost a Timeout object and an insertion into and removal from Node's timer lists for each, at thousands of
 * messages a second.
 */
export interface Deadline {
  /** When its reply timeout runs out (Date.now() scale). */
  readonly deadline: number;
}

export class ReplyClock<T extends Deadline> {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    /** The pending messages in arrival order; `expire` removes one from them. */
    private readonly items: { values(): Iterable<T> },
    private readonly expire: (item: T) => void,
  ) {}

  /** An item was added last: waits for it if nothing is waited for yet. */
  added(item: T): void {
    if (this.timer === undefined) this.arm(item.deadline);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(deadline: number): void {
    // added() arms the clock when an expiry in tick() answers a message and the next one comes in at once.
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), Math.max(0, deadline - Date.now()));
  }

  private tick(): void {
    this.timer = undefined;
    const now = Date.now();
    for (const item of this.items.values()) {
      if (item.deadline > now) return this.arm(item.deadline);
      this.expire(item);
    }
  }
}
