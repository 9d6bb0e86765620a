import { verifyEndWebCrypto, verifyHeadWebCrypto, type SignedEnd, type SignedHead, type WebCryptoVerifier } from '@p2pstream/data/browser';

/** What became of a head or an end offered: as `SignedState`'s `Offer` in @p2pstream/data. */
export type StateOffer = 'kept' | 'stale' | 'bad';

/**
 * What the publisher signed about one session, for a page: `SignedState`'s rule (believe
 * an edge only as far as a verified head or end) with the page's checks, so each offer is
 * verified asynchronously and kept only if it is still the newest once verified. It has
 * `SignedState`'s surface for serving (`session`, `head`, `end`, `onHead`, `onEnd`), so a
 * peer server passes what it kept on.
 */
export class WebCryptoState {
  readonly session: Uint8Array;
  readonly #verifier: WebCryptoVerifier;
  readonly #headListeners = new Set<(head: SignedHead) => void>();
  readonly #endListeners = new Set<(end: SignedEnd) => void>();
  #head: SignedHead | undefined;
  #end: SignedEnd | undefined;

  constructor(verifier: WebCryptoVerifier, session: Uint8Array) {
    this.#verifier = verifier;
    this.session = session;
  }

  get head(): SignedHead | undefined {
    return this.#head;
  }

  get end(): SignedEnd | undefined {
    return this.#end;
  }

  async offerHead(head: SignedHead): Promise<StateOffer> {
    if (!(await verifyHeadWebCrypto(this.#verifier, this.session, head))) return 'bad';
    const held = this.#head;
    if (held && (head.edge < held.edge || (head.edge === held.edge && head.ts <= held.ts))) return 'stale';
    const kept = { edge: head.edge, ts: head.ts, sig: Uint8Array.from(head.sig) };
    this.#head = kept;
    for (const listener of this.#headListeners) listener(kept);
    return 'kept';
  }

  async offerEnd(end: SignedEnd): Promise<StateOffer> {
    if (!(await verifyEndWebCrypto(this.#verifier, this.session, end))) return 'bad';
    if (this.#end) return 'stale';
    const kept = { edge: end.edge, sig: Uint8Array.from(end.sig) };
    this.#end = kept;
    for (const listener of this.#endListeners) listener(kept);
    return 'kept';
  }

  /** Calls `listener` with every head kept from now on; returns the unsubscribe. */
  onHead(listener: (head: SignedHead) => void): () => void {
    this.#headListeners.add(listener);
    return () => this.#headListeners.delete(listener);
  }

  /** Calls `listener` once the end is kept; returns the unsubscribe. */
  onEnd(listener: (end: SignedEnd) => void): () => void {
    this.#endListeners.add(listener);
    return () => this.#endListeners.delete(listener);
  }
}
