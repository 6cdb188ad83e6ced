/**
 * How many hold a shared thing (a token cache, the wait store), so that it is let go only when nobody does. Each
 * holder gets its own release function, which counts once however often it is called (a close handler may run
 * twice).
 */
export class Users {
  private held = 0;

  get count(): number {
    return this.held;
  }

  /** One more holder; call the function returned when it lets go. */
  take(): () => void {
    this.held++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held--;
    };
  }
}
