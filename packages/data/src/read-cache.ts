import type { Chunk } from './chunk.js';

/**
 * Chunks read back from a file, at most `maxBytes` of their data, the least
 * recently used dropped first (a `Map` keeps insertion order: a hit moves to the end).
 * `dropped` hears of each chunk it lets go, replaced or evicted (not of `clear()`).
 */
export class ReadCache {
  readonly maxBytes: number;
  readonly #chunks = new Map<number, Chunk>();
  readonly #dropped: (chunk: Chunk) => void;
  #bytes = 0;

  constructor(maxBytes: number, dropped: (chunk: Chunk) => void) {
    this.maxBytes = maxBytes;
    this.#dropped = dropped;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get(seq: number): Chunk | undefined {
    const chunk = this.#chunks.get(seq);
    if (chunk) {
      this.#chunks.delete(seq);
      this.#chunks.set(seq, chunk);
    }
    return chunk;
  }

  /** Keeps the chunk; false when it is larger than the whole cache (it is not kept). */
  set(chunk: Chunk): boolean {
    if (chunk.data.length > this.maxBytes) return false;
    const old = this.#chunks.get(chunk.seq);
    if (old) {
      this.#chunks.delete(chunk.seq);
      this.#bytes -= old.data.length;
      if (old !== chunk) this.#dropped(old);
    }
    this.#chunks.set(chunk.seq, chunk);
    this.#bytes += chunk.data.length;
    for (const [seq, oldest] of this.#chunks) {
      if (this.#bytes <= this.maxBytes) break;
      this.#chunks.delete(seq);
      this.#bytes -= oldest.data.length;
      this.#dropped(oldest);
    }
    return true;
  }

  clear(): void {
    this.#chunks.clear();
    this.#bytes = 0;
  }
}
