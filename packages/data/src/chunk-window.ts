import type { Chunk, UnsignedChunk } from './chunk.js';
import { DEFAULT_WINDOW_CAPACITY } from './constants.js';
import { InvalidArgumentError, InvalidOptionError } from './errors.js';

export interface ChunkWindowOptions {
  /**
   * A live stream keeps only its last `capacity` chunks; a finished one keeps
   * every chunk (a file, or a live stream after finish()).
   * @default true
   */
  live?: boolean;
  /**
   * Chunks a live window spans: [edge - capacity, edge).
   * @default 120 (60 s of 500 ms chunks)
   */
  capacity?: number;
}

/** Which chunks a window holds: bit i of `bits` is seq `base + i`, most significant bit of each byte first. */
export interface BufferMap {
  base: number;
  bits: Uint8Array;
}

export type ChunkListener<C> = (chunk: C) => void;
export type EvictListener = (seq: number) => void;
export type EndListener = (edge: number) => void;

/**
 * The chunks a peer holds for one stream, with no I/O: adding, looking up,
 * evicting behind a live edge, and the buffer map peers exchange. Memory is
 * bounded by `capacity` chunks while live, whatever the stream's length.
 *
 * Listeners run synchronously inside add() and finish(), evictions before
 * the chunk that caused them; one that throws leaves the window updated and the
 * error goes to the caller.
 */
export class ChunkWindow<C extends UnsignedChunk = Chunk> {
  readonly capacity: number;
  #live: boolean;
  #ended = false;
  #base = 0;
  #edge = 0;
  #bytes = 0;
  readonly #chunks = new Map<number, C>();
  readonly #chunkListeners = new Set<ChunkListener<C>>();
  readonly #evictListeners = new Set<EvictListener>();
  readonly #endListeners = new Set<EndListener>();

  constructor(options: ChunkWindowOptions = {}) {
    this.#live = options.live ?? true;
    this.capacity = options.capacity ?? DEFAULT_WINDOW_CAPACITY;
    if (!Number.isSafeInteger(this.capacity) || this.capacity < 1) {
      throw new InvalidOptionError(`capacity must be an integer >= 1, got ${this.capacity}`);
    }
  }

  /** Whether old chunks are still evicted as the edge advances. */
  get live(): boolean {
    return this.#live;
  }

  /** Whether finish() was called: the stream has no chunk at or past `edge`. */
  get ended(): boolean {
    return this.#ended;
  }

  /** The lowest seq held or still accepted; it only grows. */
  get base(): number {
    return this.#base;
  }

  /** One past the highest seq added (or the final edge given to finish()). */
  get edge(): number {
    return this.#edge;
  }

  /** Chunks held. */
  get size(): number {
    return this.#chunks.size;
  }

  /** Bytes of chunk data held. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Keeps the chunk; false (and nothing changes) for a seq already held,
   * behind the window, or at or past the edge of an ended stream.
   * A seq past the edge moves the edge there, evicting what falls behind.
   */
  add(chunk: C): boolean {
    const { seq } = chunk;
    if (!Number.isSafeInteger(seq) || seq < 0) throw new InvalidArgumentError(`seq must be an integer >= 0, got ${seq}`);
    if (seq < this.#base || this.#chunks.has(seq) || (this.#ended && seq >= this.#edge)) return false;
    if (seq >= this.#edge) this.#moveEdge(seq + 1);
    this.#chunks.set(seq, chunk);
    this.#bytes += chunk.data.length;
    for (const listener of this.#chunkListeners) listener(chunk);
    return true;
  }

  has(seq: number): boolean {
    return this.#chunks.has(seq);
  }

  get(seq: number): C | undefined {
    return this.#chunks.get(seq);
  }

  /** `get`, as a promise: a window's chunks are all in memory (see `HeldChunks`). */
  read(seq: number): Promise<C | undefined> {
    return Promise.resolve(this.#chunks.get(seq));
  }

  /** Bytes of the chunk's data, when held. */
  dataBytes(seq: number): number | undefined {
    return this.#chunks.get(seq)?.data.length;
  }

  /**
   * The stream ended with `edge` as its last seq + 1: nothing is evicted any
   * more and no chunk at or past `edge` is accepted. Chunks already evicted
   * stay gone (base does not move back).
   */
  finish(edge: number = this.#edge): void {
    if (this.#ended) return;
    if (!Number.isSafeInteger(edge) || edge < this.#edge) {
      throw new InvalidArgumentError(`a stream cannot end at ${edge}: seq ${this.#edge - 1} was already seen`);
    }
    this.#edge = edge;
    this.#live = false;
    this.#ended = true;
    for (const listener of this.#endListeners) listener(edge);
  }

  /**
   * The buffer map over [base, edge): bit i (MSB first within each byte) says
   * whether `base + i` is held. Trailing bits of the last byte are 0.
   */
  bufferMap(): BufferMap {
    const bits = new Uint8Array(Math.ceil((this.#edge - this.#base) / 8));
    for (const seq of this.#chunks.keys()) {
      const i = seq - this.#base;
      bits[i >> 3]! |= 0x80 >> (i & 7);
    }
    return { base: this.#base, bits };
  }

  /** Calls `listener` with each chunk added; returns the function that stops it. */
  onChunk(listener: ChunkListener<C>): () => void {
    return subscribe(this.#chunkListeners, listener);
  }

  /** Calls `listener` with the seq of each chunk evicted from a live window. */
  onEvict(listener: EvictListener): () => void {
    return subscribe(this.#evictListeners, listener);
  }

  /** Calls `listener` with the final edge when finish() is called. */
  onEnd(listener: EndListener): () => void {
    return subscribe(this.#endListeners, listener);
  }

  #moveEdge(edge: number): void {
    this.#edge = edge;
    if (!this.#live) return;
    const base = Math.max(this.#base, edge - this.capacity);
    if (base === this.#base) return;
    const from = this.#base;
    this.#base = base;
    // Walk whichever is shorter: the seqs that fell behind, or the chunks held.
    if (base - from <= this.#chunks.size) {
      for (let seq = from; seq < base; seq++) this.#evict(seq);
    } else {
      for (const seq of [...this.#chunks.keys()].filter((s) => s < base).sort((a, b) => a - b)) this.#evict(seq);
    }
  }

  #evict(seq: number): void {
    const chunk = this.#chunks.get(seq);
    if (chunk === undefined) return;
    this.#chunks.delete(seq);
    this.#bytes -= chunk.data.length;
    for (const listener of this.#evictListeners) listener(seq);
  }
}

function subscribe<L>(listeners: Set<L>, listener: L): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}
