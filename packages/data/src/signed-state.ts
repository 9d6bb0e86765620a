import { verifyEnd, verifyHead, type SignedEnd, type SignedHead } from './signed-head.js';
import { verifierFor, type StreamVerifier } from './verifier.js';

/** What became of a head or an end offered to a `SignedState`. */
export type Offer =
  /** Verified and newer than what was held: kept, and listeners told. */
  | 'kept'
  /** Verified, but not newer than what is held already. */
  | 'stale'
  /** Its signature does not verify in this session: a lie, or another session's. */
  | 'bad';

export type HeadListener = (head: SignedHead) => void;
export type SignedEndListener = (end: SignedEnd) => void;

/**
 * What one publish session of a stream is known to have reached, believed only
 * as far as the publisher signed it: the newest verified head and, once there
 * is one, the verified end. No I/O: the peer server passes what it holds on,
 * the peer client offers it what peers send, the publisher what it signs.
 */
export class SignedState {
  readonly streamId: string;
  readonly session: Uint8Array;
  readonly #verifier: StreamVerifier;
  #head: SignedHead | undefined;
  #end: SignedEnd | undefined;
  readonly #headListeners = new Set<HeadListener>();
  readonly #endListeners = new Set<SignedEndListener>();

  constructor(streamId: string, session: Uint8Array) {
    this.streamId = streamId;
    this.session = session;
    this.#verifier = verifierFor(streamId);
  }

  /** The newest verified head, if any. */
  get head(): SignedHead | undefined {
    return this.#head;
  }

  /** The verified end, if the publisher sent one. */
  get end(): SignedEnd | undefined {
    return this.#end;
  }

  /**
   * How far an edge claimed by a peer (in a `map`, a `have`, an announce) may be
   * believed: clipped to the signed end, or else to the newest signed head;
   * `0` before any was verified.
   */
  clip(edge: number): number {
    const limit = this.#end?.edge ?? this.#head?.edge ?? 0;
    return Math.min(edge, limit);
  }

  /** Verifies `head` and keeps it if it is further (or as far, later) than the one held. */
  offerHead(head: SignedHead): Offer {
    if (!verifyHead(this.#verifier, this.session, head)) return 'bad';
    const held = this.#head;
    if (held && (head.edge < held.edge || (head.edge === held.edge && head.ts <= held.ts))) return 'stale';
    this.#head = { edge: head.edge, ts: head.ts, sig: Uint8Array.from(head.sig) };
    for (const listener of this.#headListeners) listener(this.#head);
    return 'kept';
  }

  /** Verifies `end` and keeps it if none is held yet. */
  offerEnd(end: SignedEnd): Offer {
    if (!verifyEnd(this.#verifier, this.session, end)) return 'bad';
    if (this.#end) return 'stale';
    this.#end = { edge: end.edge, sig: Uint8Array.from(end.sig) };
    for (const listener of this.#endListeners) listener(this.#end);
    return 'kept';
  }

  /** Calls `listener` with every head kept from now on; returns the unsubscribe. */
  onHead(listener: HeadListener): () => void {
    this.#headListeners.add(listener);
    return () => this.#headListeners.delete(listener);
  }

  /** Calls `listener` once the end is kept; returns the unsubscribe. */
  onEnd(listener: SignedEndListener): () => void {
    this.#endListeners.add(listener);
    return () => this.#endListeners.delete(listener);
  }
}
