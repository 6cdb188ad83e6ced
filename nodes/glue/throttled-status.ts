import type { Node, NodeStatus } from "./node-red-types";

/**
 * At most one status update per this many milliseconds: a busy HL7 feed changes a node's state thousands of
 * times a second, each update is an event sent to every open editor, and a person reads a few per second.
 */
const MIN_INTERVAL_MS = 200;

/**
 * A node's status, shown when it changes, at most every MIN_INTERVAL_MS; the latest state always shows, up to
 * that much late. `render` gives the status for the state now (and translates only then).
 */
export class ThrottledStatus {
  private shownAt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly node: Node,
    private readonly render: () => NodeStatus,
  ) {}

  /** The state changed: show it soon (on the next turn of the event loop at the earliest). */
  changed(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.shownAt + MIN_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.show();
    }, wait);
  }

  /** Shows the state now (a problem found at deploy). */
  show(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.shownAt = Date.now();
    this.node.status(this.render());
  }

  /** On close: no timer left behind. */
  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
