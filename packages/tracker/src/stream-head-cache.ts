import type { StreamHead } from './registry.js';

/**
 * Stream heads this central read from the registry recently, for announces
 * that carry no signature (viewers' renewals, nearly every announce): with a
 * Redis registry this saves one round trip per announce. An unsigned announce
 * only needs the head to clip its edge and to judge whether the source is
 * still sending; a head up to `maxAge` old clips lower, never higher, than the
 * newest. Signed announces (a publisher's heads and ends) always read the
 * registry, since their signature is checked against the current session.
 */
export class StreamHeadCache {
  readonly #maxAge: number;
  readonly #maxSize: number;
  /** stream id → the head and when it was read; oldest reads first. */
  readonly #heads = new Map<string, { head: StreamHead; readAt: number }>();

  constructor(maxAge: number, maxSize: number) {
    this.#maxAge = maxAge;
    this.#maxSize = maxSize;
  }

  /** The head read within `maxAge` before `now`, if any. */
  get(stream: string, now: number): StreamHead | undefined {
    const cached = this.#heads.get(stream);
    if (!cached) return undefined;
    if (now - cached.readAt < this.#maxAge) return cached.head;
    this.#heads.delete(stream);
    return undefined;
  }

  set(stream: string, head: StreamHead, now: number): void {
    if (this.#maxAge <= 0) return;
    this.#heads.delete(stream);
    // Bounded: past the cap the oldest read goes (it is the nearest to expiring anyway).
    if (this.#heads.size >= this.#maxSize) this.#heads.delete(this.#heads.keys().next().value!);
    this.#heads.set(stream, { head, readAt: now });
  }

  /** After this central's own publish of the stream: its session changed. */
  forget(stream: string): void {
    this.#heads.delete(stream);
  }

  /** Drops heads past their age, so memory follows the streams announced lately. */
  prune(now: number): void {
    for (const [stream, { readAt }] of this.#heads) {
      if (now - readAt < this.#maxAge) break;
      this.#heads.delete(stream);
    }
  }
}
