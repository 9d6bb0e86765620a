/**
 * How far each stream has come by its source's word — the edge announced on the
 * connection that proved the stream's key — and when the source last said so.
 * Every other peer's edge is a claim, believed only as far as this; and a stream
 * whose source has been silent for a TTL is not kept listed by its viewers'
 * announces. Kept by each central process for the streams published through it
 * (with several centrals, a central that never saw the source's connection
 * clips its viewers' edges to 0: an edge is only a hint).
 */
export class StreamHeads {
  readonly #heads = new Map<string, { edge: number; at: number }>();

  /** A new publish starts the stream over. */
  reset(stream: string): void {
    this.#heads.delete(stream);
  }

  /** The source said the stream has `edge` chunks. */
  note(stream: string, edge: number, now: number): void {
    this.#heads.set(stream, { edge, at: now });
  }

  /** `edge` as far as the source said: at most its newest edge, 0 before it said any. */
  clip(stream: string, edge: number): number {
    return Math.min(edge, this.#heads.get(stream)?.edge ?? 0);
  }

  /** Whether the source said anything within `ttl` ms before `now`. */
  fresh(stream: string, now: number, ttl: number): boolean {
    const head = this.#heads.get(stream);
    return head !== undefined && now - head.at <= ttl;
  }

  /** Forgets streams whose source has been silent since before `before`. */
  prune(before: number): void {
    for (const [stream, head] of this.#heads) if (head.at < before) this.#heads.delete(stream);
  }
}
