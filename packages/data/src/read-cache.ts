import type { Chunk } from './chunk.js';

/**
 * Chunks read back from a file, at most `maxBytes` of their data, the least
 * recently used dropped first (a `Map` keeps insertion order: a hit moves to the end).
 */
export class ReadCache {
  readonly maxBytes: number;
  readonly #chunks = new Map<number, Chunk>();
  #bytes = 0;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
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

  set(chunk: Chunk): void {
    if (chunk.data.length > this.maxBytes) return;
    const old = this.#chunks.get(chunk.seq);
    if (old) {
      this.#chunks.delete(chunk.seq);
      this.#bytes -= old.data.length;
    }
    this.#chunks.set(chunk.seq, chunk);
    this.#bytes += chunk.data.length;
    for (const [seq, oldest] of this.#chunks) {
      if (this.#bytes <= this.maxBytes) break;
      this.#chunks.delete(seq);
      this.#bytes -= oldest.data.length;
    }
  }

  clear(): void {
    this.#chunks.clear();
    this.#bytes = 0;
  }
}
