/**
 * The chunks we still want that somebody holds, in buckets by how many peers hold them, kept up
 * to date as maps, `have`s, deliveries and the playhead change it, so that rarest-first takes
 * the next chunk without looking at every chunk of the look-ahead (libtorrent's piece picker
 * keeps its pieces the same way). Each bucket is an array, so a chunk moves between buckets,
 * and a random one is drawn, in constant time.
 */
export class RarityBuckets {
  /** `#buckets[n]`: chunks held by n peers, in no order. */
  readonly #buckets: number[][] = [];
  /** Each chunk's bucket and its index there. */
  readonly #bucketOf = new Map<number, number>();
  readonly #indexOf = new Map<number, number>();

  get size(): number {
    return this.#bucketOf.size;
  }

  has(seq: number): boolean {
    return this.#bucketOf.has(seq);
  }

  /** Puts `seq` in the bucket of chunks held by `holders` peers (none: takes it out). */
  set(seq: number, holders: number): void {
    const current = this.#bucketOf.get(seq);
    if (current === holders) return;
    if (current !== undefined) this.#remove(seq, current);
    if (holders <= 0) return;
    const bucket = (this.#buckets[holders] ??= []);
    this.#bucketOf.set(seq, holders);
    this.#indexOf.set(seq, bucket.length);
    bucket.push(seq);
  }

  delete(seq: number): void {
    const current = this.#bucketOf.get(seq);
    if (current !== undefined) this.#remove(seq, current);
  }

  clear(): void {
    this.#buckets.length = 0;
    this.#bucketOf.clear();
    this.#indexOf.clear();
  }

  /**
   * Every chunk, fewest holders first, each bucket in a random order drawn lazily (a
   * Fisher–Yates shuffle done one draw at a time), so a caller that stops at the first chunk it
   * can use pays for that one only. The buckets must not change while it is being read.
   */
  *byRarity(random: () => number): IterableIterator<number> {
    for (let holders = 1; holders < this.#buckets.length; holders++) {
      const bucket = this.#buckets[holders];
      if (!bucket || bucket.length === 0) continue;
      // Positions already drawn hold what the shuffle swapped into them; the array is untouched.
      const swapped = new Map<number, number>();
      for (let drawn = 0; drawn < bucket.length; drawn++) {
        const at = drawn + Math.floor(random() * (bucket.length - drawn));
        const seq = swapped.get(at) ?? bucket[at]!;
        swapped.set(at, swapped.get(drawn) ?? bucket[drawn]!);
        yield seq;
      }
    }
  }

  #remove(seq: number, holders: number): void {
    const bucket = this.#buckets[holders]!;
    const index = this.#indexOf.get(seq)!;
    const last = bucket.pop()!;
    if (last !== seq) {
      bucket[index] = last;
      this.#indexOf.set(last, index);
    }
    this.#bucketOf.delete(seq);
    this.#indexOf.delete(seq);
  }
}
