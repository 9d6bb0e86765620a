import type { Chunk } from './chunk.js';
import type { BufferMap, ChunkListener, EndListener } from './chunk-window.js';

/**
 * The chunks a peer holds for one stream, wherever their bytes are: in memory
 * (`ChunkWindow`) or in a file (`ChunkStore`). A peer server serves from it and
 * play-out reads from it. `get` answers at once from memory; `read` may go to the
 * file, so a server tries `get` first and keeps a live stream off the slow path.
 */
export interface HeldChunks {
  /** Whether old chunks are still evicted as the edge advances. */
  readonly live: boolean;
  /** Whether the stream's final edge is known. */
  readonly ended: boolean;
  /** The lowest seq held or still accepted. */
  readonly base: number;
  /** One past the highest seq held (or the final edge). */
  readonly edge: number;
  /** Chunks held. */
  readonly size: number;
  has(seq: number): boolean;
  /** The chunk when its bytes are in memory now; undefined when they must be read (or it is not held). */
  get(seq: number): Chunk | undefined;
  /** The chunk, read from wherever it is kept; undefined when it is not held. */
  read(seq: number, options?: { signal?: AbortSignal }): Promise<Chunk | undefined>;
  /**
   * Gives back a chunk got from `get` or `read` once nothing reads its bytes any more (sent,
   * written), so a store can read into its buffer again. Optional, and optional to call: a
   * chunk never given back is collected as usual. Never give one back twice.
   */
  release?(chunk: Chunk): void;
  /** Holds a chunk got from `onChunk` as `get` would, to `release` in turn (see `release`). */
  hold?(chunk: Chunk): void;
  /** Bytes of the chunk's data, when held. */
  dataBytes(seq: number): number | undefined;
  /** Keeps a verified chunk; false when it was held already or is outside the stream. */
  add(chunk: Chunk): boolean;
  /** The stream has `edge` chunks in all. */
  finish(edge?: number): void;
  bufferMap(): BufferMap;
  onChunk(listener: ChunkListener<Chunk>): () => void;
  onEnd(listener: EndListener): () => void;
}
