/**
 * A set of chunk sequence numbers stored as bits, for buffer maps and for what we hold.
 * It spans at most `maxSpan` consecutive numbers: adding one beyond that slides the set
 * upwards and forgets the lowest, so a peer announcing an absurd number costs it its own
 * older bits, never our memory.
 */
export class ChunkSet {
  readonly maxSpan: number;
  /** Sequence number of bit 0 of `#words[0]`; a multiple of 32. */
  #base = 0;
  #words: Uint32Array = new Uint32Array(0);
  #size = 0;
  #highest = -1;

  constructor(maxSpan: number) {
    this.maxSpan = maxSpan;
  }

  get size(): number {
    return this.#size;
  }

  /** Highest number in the set, or -1 when empty. */
  get highest(): number {
    return this.#size === 0 ? -1 : this.#highest;
  }

  has(seq: number): boolean {
    const offset = seq - this.#base;
    if (offset < 0 || offset >= this.#words.length * 32) return false;
    return (this.#words[offset >>> 5]! & (1 << (offset & 31))) !== 0;
  }

  /**
   * Adds `seq`; returns whether it was new. A number more than `maxSpan` below the highest is
   * ignored; one that extends the span past `maxSpan` drops the lowest, reporting each to `onDrop`.
   */
  add(seq: number, onDrop?: (seq: number) => void): boolean {
    if (this.#size > 0 && seq <= this.#highest - this.maxSpan) return false;
    if (this.has(seq)) return false;
    if (this.#size > 0 && seq - this.maxSpan >= this.lowest()) this.deleteBelow(seq - this.maxSpan + 1, onDrop);
    this.#cover(seq);
    const offset = seq - this.#base;
    this.#words[offset >>> 5]! |= 1 << (offset & 31);
    this.#size += 1;
    if (this.#size === 1 || seq > this.#highest) this.#highest = seq;
    return true;
  }

  /** Removes `seq`; returns whether it was present. */
  delete(seq: number): boolean {
    if (!this.has(seq)) return false;
    const offset = seq - this.#base;
    this.#words[offset >>> 5]! &= ~(1 << (offset & 31));
    this.#size -= 1;
    if (seq === this.#highest && this.#size > 0) this.#highest = this.#previous(seq);
    return true;
  }

  /** Lowest number in the set, or -1 when empty. */
  lowest(): number {
    if (this.#size === 0) return -1;
    for (let w = 0; w < this.#words.length; w++) {
      const word = this.#words[w]!;
      if (word !== 0) return this.#base + w * 32 + (31 - Math.clz32(word & -word));
    }
    return -1;
  }

  /** Removes every number below `floor`, reporting each to `onDrop`. */
  deleteBelow(floor: number, onDrop?: (seq: number) => void): void {
    if (this.#size === 0 || floor <= this.#base) return;
    const end = Math.min(floor, this.#base + this.#words.length * 32);
    for (const seq of this.values(this.#base, end)) {
      this.delete(seq);
      onDrop?.(seq);
    }
    const dropWords = Math.min(this.#words.length, Math.floor((floor - this.#base) / 32));
    if (dropWords > 0) {
      this.#words = this.#words.slice(dropWords);
      this.#base += dropWords * 32;
    }
  }

  /** Numbers in the set within [from, to), ascending. */
  *values(from = this.#base, to = this.#base + this.#words.length * 32): IterableIterator<number> {
    const start = Math.max(from, this.#base) - this.#base;
    const end = Math.min(to, this.#base + this.#words.length * 32) - this.#base;
    for (let offset = start; offset < end; ) {
      const word = this.#words[offset >>> 5]! >>> (offset & 31);
      if (word === 0) {
        offset = (offset | 31) + 1;
        continue;
      }
      const skip = 31 - Math.clz32(word & -word);
      offset += skip;
      if (offset >= end) break;
      yield this.#base + offset;
      offset += 1;
    }
  }

  /** First number ≥ `from` that is not in the set. */
  firstMissingFrom(from: number): number {
    let seq = from;
    while (this.has(seq)) {
      const offset = seq - this.#base;
      if ((offset & 31) === 0 && this.#words[offset >>> 5] === 0xffffffff) seq += 32;
      else seq += 1;
    }
    return seq;
  }

  clear(): void {
    this.#words = new Uint32Array(0);
    this.#base = 0;
    this.#size = 0;
    this.#highest = -1;
  }

  #previous(seq: number): number {
    for (let s = seq - 1; s >= this.#base; s--) if (this.has(s)) return s;
    return -1;
  }

  /** Grows or rebases the words so that `seq` has a bit. */
  #cover(seq: number): void {
    const capacity = this.#words.length * 32;
    if (this.#size === 0) {
      this.#base = seq - (seq % 32);
      if (capacity === 0) this.#words = new Uint32Array(4);
      else this.#words.fill(0);
      return;
    }
    if (seq < this.#base) {
      const newBase = seq - (seq % 32);
      const shift = (this.#base - newBase) / 32;
      const grown = new Uint32Array(this.#words.length + shift);
      grown.set(this.#words, shift);
      this.#words = grown;
      this.#base = newBase;
      return;
    }
    if (seq - this.#base < capacity) return;
    const needed = Math.floor((seq - this.#base) / 32) + 1;
    const grown = new Uint32Array(Math.max(needed, this.#words.length * 2));
    grown.set(this.#words);
    this.#words = grown;
  }
}
