import { verifyEndWebCrypto, verifyHeadWebCrypto, type SignedEnd, type SignedHead, type WebCryptoVerifier } from '@p2pstream/data/browser';

/** What became of a head or an end offered: as `SignedState`'s `Offer` in @p2pstream/data. */
export type StateOffer = 'kept' | 'stale' | 'bad';

export interface WebCryptoStateListeners {
  /** A newer head verified: peers' claims below `edge` may be believed. */
  onHead(edge: number): void;
  /** The end verified: the stream has `edge` chunks in all. */
  onEnd(edge: number): void;
}

/**
 * What the publisher signed about one session, for a page: `SignedState`'s rule (believe
 * an edge only as far as a verified head or end) with WebCrypto, so each offer is
 * verified asynchronously and kept only if it is still the newest once verified.
 * It also keeps how far peers' claims are believed already (`believed`).
 */
export class WebCryptoState {
  readonly #verifier: WebCryptoVerifier;
  readonly #session: Uint8Array;
  readonly #listeners: WebCryptoStateListeners;
  #head: SignedHead | undefined;
  #end: SignedEnd | undefined;
  #believed = 0;

  constructor(verifier: WebCryptoVerifier, session: Uint8Array, listeners: WebCryptoStateListeners) {
    this.#verifier = verifier;
    this.#session = session;
    this.#listeners = listeners;
  }

  /** One past the last seq a verified head (or the end) covers. */
  get believed(): number {
    return this.#believed;
  }

  /** Moves `believed` up to `limit`; returns where it was, or undefined when it was there already. */
  believedBefore(limit: number): number | undefined {
    const from = this.#believed;
    if (limit <= from) return undefined;
    this.#believed = limit;
    return from;
  }

  async offerHead(head: SignedHead): Promise<StateOffer> {
    if (!(await verifyHeadWebCrypto(this.#verifier, this.#session, head))) return 'bad';
    const held = this.#head;
    if (held && (head.edge < held.edge || (head.edge === held.edge && head.ts <= held.ts))) return 'stale';
    this.#head = { edge: head.edge, ts: head.ts, sig: Uint8Array.from(head.sig) };
    this.#listeners.onHead(head.edge);
    return 'kept';
  }

  async offerEnd(end: SignedEnd): Promise<StateOffer> {
    if (!(await verifyEndWebCrypto(this.#verifier, this.#session, end))) return 'bad';
    if (this.#end) return 'stale';
    this.#end = { edge: end.edge, sig: Uint8Array.from(end.sig) };
    this.#listeners.onEnd(end.edge);
    return 'kept';
  }
}
