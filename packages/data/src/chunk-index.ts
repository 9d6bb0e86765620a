import { SIGNATURE_BYTES } from './constants.js';

/** Chunks the index has room for before it first grows. */
const INITIAL_CAPACITY = 1024;

/**
 * What a chunk store keeps in memory per chunk of a finished stream: where its
 * bytes are (which of its files, and the offset there), how many, its timestamp
 * and its signature, 86 bytes in typed arrays (a 4 GiB stream of 64 KiB chunks:
 * 5.6 MB), so that serving a chunk needs no signing and no hashing.
 */
export class ChunkIndex {
  #capacity = 0;
  #held = new Uint8Array(0);
  #placed = new Uint8Array(0);
  #offsets = new Float64Array(0);
  #lengths = new Uint32Array(0);
  #timestamps = new Float64Array(0);
  #signatures = new Uint8Array(0);

  has(seq: number): boolean {
    return seq < this.#capacity && this.#held[seq] === 1;
  }

  set(seq: number, entry: { offset: number; length: number; ts: number; sig: Uint8Array }): void {
    if (seq >= this.#capacity) this.#grow(seq + 1);
    this.#held[seq] = 1;
    this.#placed[seq] = 0;
    this.#offsets[seq] = entry.offset;
    this.#lengths[seq] = entry.length;
    this.#timestamps[seq] = entry.ts;
    this.#signatures.set(entry.sig.subarray(0, SIGNATURE_BYTES), seq * SIGNATURE_BYTES);
  }

  offset(seq: number): number {
    return this.#offsets[seq]!;
  }

  /** Moves a held chunk's bytes: to `offset` in the store's own file, or in the file it was `placed` in. */
  move(seq: number, offset: number, placed: boolean): void {
    this.#offsets[seq] = offset;
    this.#placed[seq] = placed ? 1 : 0;
  }

  /** Whether the chunk's bytes are in the file it was placed in rather than the store's own. */
  placed(seq: number): boolean {
    return this.#placed[seq] === 1;
  }

  length(seq: number): number {
    return this.#lengths[seq]!;
  }

  ts(seq: number): number {
    return this.#timestamps[seq]!;
  }

  /** A copy: the index's arrays are replaced when it grows, and a chunk may outlive that. */
  sig(seq: number): Uint8Array {
    return this.#signatures.slice(seq * SIGNATURE_BYTES, (seq + 1) * SIGNATURE_BYTES);
  }

  /** The held seqs below `end`, in order. */
  *seqs(end: number): Generator<number> {
    const last = Math.min(end, this.#capacity);
    for (let seq = 0; seq < last; seq++) if (this.#held[seq] === 1) yield seq;
  }

  #grow(needed: number): void {
    const capacity = Math.max(needed, INITIAL_CAPACITY, this.#capacity * 2);
    this.#held = grown(this.#held, new Uint8Array(capacity));
    this.#placed = grown(this.#placed, new Uint8Array(capacity));
    this.#offsets = grown(this.#offsets, new Float64Array(capacity));
    this.#lengths = grown(this.#lengths, new Uint32Array(capacity));
    this.#timestamps = grown(this.#timestamps, new Float64Array(capacity));
    this.#signatures = grown(this.#signatures, new Uint8Array(capacity * SIGNATURE_BYTES));
    this.#capacity = capacity;
  }
}

function grown<A extends Uint8Array | Uint32Array | Float64Array>(old: A, fresh: A): A {
  fresh.set(old as never);
  return fresh;
}
