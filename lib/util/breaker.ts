/**
 * Stops hammering a PACS that cannot be reached. After `threshold` connection
 * attempts in a row fail to connect, it opens for `cooldownMs`: lookups fail
 * at once. Then it lets one probe through; a connect closes it again, a failure
 * re-opens it. Only failures to connect count: a dropped connection, a timeout
 * or a bad reply means the PACS is up, and other lookups may well succeed.
 */
export class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;
  private probing = false;

  constructor(
    private readonly threshold: number,
    private readonly cooldownMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get isOpen(): boolean {
    return this.failures >= this.threshold && (this.now() < this.openUntil || this.probing);
  }

  /** Milliseconds until the next probe may go, for error messages. */
  get retryInMs(): number {
    return Math.max(0, this.openUntil - this.now());
  }

  /** May a new connection be attempted now? Reserves the probe when half-open. */
  allowAttempt(): boolean {
    if (this.threshold <= 0 || this.failures < this.threshold) return true;
    if (this.probing || this.now() < this.openUntil) return false;
    this.probing = true;
    return true;
  }

  connected(): void {
    this.failures = 0;
    this.probing = false;
  }

  connectFailed(): void {
    this.failures++;
    this.probing = false;
    if (this.failures >= this.threshold) this.openUntil = this.now() + this.cooldownMs;
  }
}
