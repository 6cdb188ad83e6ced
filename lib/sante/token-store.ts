import { Lru } from "../util/lru";

/**
 * Where study tokens are kept between lookups. Tokens are permanent (vendor
 * document), so a token once learnt never needs asking again. Node-RED can
 * plug in a context store here; methods may answer synchronously or not.
 */
export interface TokenStore {
  get(studyInstanceUid: string): string | undefined | Promise<string | undefined>;
  set(studyInstanceUid: string, token: string): void | Promise<void>;
}

export class MemoryTokenStore implements TokenStore {
  private readonly lru: Lru<string, string>;

  constructor(maxSize: number) {
    this.lru = new Lru(maxSize);
  }

  get size(): number {
    return this.lru.size;
  }

  get(studyInstanceUid: string): string | undefined {
    return this.lru.get(studyInstanceUid);
  }

  set(studyInstanceUid: string, token: string): void {
    this.lru.set(studyInstanceUid, token);
  }
}
