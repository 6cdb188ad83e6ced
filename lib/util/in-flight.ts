import type { SanteError } from "../errors";

/** Ends the handling of one message, with an error or without (Node-RED's `done`, or a wrapper of it). */
export type EndFunction = (err?: SanteError) => void;

/** One input message being handled; it ends exactly once, whichever comes first. */
export interface Ticket {
  /** Runs `deliver` (which must not throw: it updates status and sends) and then done(); false if the message had already ended. */
  succeed(deliver: () => void): boolean;
  /** Runs `before` (e.g. a status update) and then done(err); false if the message had already ended. */
  fail(err: SanteError, before?: () => void): boolean;
}

/**
 * The messages a node is still handling. Closing the node fails those that are
 * left, so a redeploy ends each with SANTE_CLOSED even when the PACS's client
 * lives on in an unchanged config node; an answer that comes later is dropped.
 */
export class InFlight {
  private readonly open = new Set<EndFunction>();

  constructor(private readonly onChange: (count: number) => void) {}

  get size(): number {
    return this.open.size;
  }

  start(done: EndFunction): Ticket {
    this.open.add(done);
    this.onChange(this.open.size);
    const end = (finish: () => void): boolean => {
      if (!this.open.delete(done)) return false;
      finish();
      this.onChange(this.open.size);
      return true;
    };
    return {
      succeed: (deliver) =>
        end(() => {
          deliver();
          done();
        }),
      fail: (err, before) =>
        end(() => {
          before?.();
          done(err);
        }),
    };
  }

  failAll(err: () => SanteError): void {
    const left = [...this.open];
    this.open.clear();
    for (const done of left) done(err());
    if (left.length > 0) this.onChange(0);
  }
}
