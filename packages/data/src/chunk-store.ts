import type { PathLike } from 'node:fs';
import { BufferPool } from './buffer-pool.js';
import type { Chunk } from './chunk.js';
import { ChunkIndex } from './chunk-index.js';
import type { BufferMap, ChunkListener, EndListener } from './chunk-window.js';
import { DEFAULT_STORE_CACHE_BYTES, MAX_STORED_CHUNKS, WRITE_BATCH_CHUNKS } from './constants.js';
import { InvalidArgumentError, InvalidOptionError, StoreClosedError } from './errors.js';
import type { HeldChunks } from './held-chunks.js';
import { FileData } from './file-data.js';
import type { RandomAccessFile } from './random-access-file.js';
import { ReadCache } from './read-cache.js';

export interface ChunkStoreOptions {
  /**
   * Bytes of chunk data kept in memory: chunks read back (most recently used
   * first) and chunks not yet written. Adding waits (`drained`) while the
   * unwritten ones alone exceed it.
   * @default 16 MiB
   */
  cacheBytes?: number;
  /** Told when writing a chunk failed; the chunk stays in memory, so nothing is lost. */
  onError?: (error: Error) => void;
}

export interface SpoolOptions extends ChunkStoreOptions {
  /**
   * Delete the file on `close()` (a scratch file), rather than leave it.
   * @default false
   */
  temporary?: boolean;
}

/**
 * The chunks of a finished stream, kept in a file instead of in memory, so
 * memory is bounded by `cacheBytes` and not by the stream. Per chunk it keeps
 * only where its bytes are, its timestamp and its signature (`ChunkIndex`).
 *
 * Two ways to use it: `ChunkStore.overFile(path)` for a publisher whose stream
 * *is* a complete file (chunks are added with the offset their bytes already have
 * there; nothing is written), and `ChunkStore.spool(path)` for a viewer (each
 * chunk added is written at the end of the file, in the order chunks arrive).
 * Only chunks given to `add` are written: give it verified chunks only.
 *
 * A chunk read back from the file is read into a pooled buffer. Whoever got it from
 * `get` or `read` may give it back with `release` once its bytes are written out (a
 * server, once the socket took them); when the cache has dropped it too, and every
 * holder gave it back, its buffer is read into again. A holder that never gives it
 * back only keeps the buffer out of the pool: nothing is reused while anyone holds it.
 */
export class ChunkStore implements HeldChunks {
  readonly path: PathLike;
  readonly cacheBytes: number;
  readonly live = false;
  readonly base = 0;
  readonly #writable: boolean;
  readonly #temporary: boolean;
  readonly #onError: ((error: Error) => void) | undefined;
  readonly #index = new ChunkIndex();
  readonly #cache: ReadCache;
  readonly #pool = new BufferPool();
  /**
   * Chunks read into pooled buffers, with their whole buffer and how many hold them (the
   * cache counts as one). Weak: a chunk some holder never gives back is collected as usual.
   */
  readonly #lent = new WeakMap<Chunk, { buffer: Buffer; holders: number }>();
  /** Added, not written yet (or never: a chunk of a read-only store that is not a range of its file). */
  readonly #pinned = new Map<number, Chunk>();
  readonly #writeQueue: number[] = [];
  readonly #reading = new Map<number, Promise<Chunk | undefined>>();
  readonly #chunkListeners = new Set<ChunkListener<Chunk>>();
  readonly #endListeners = new Set<EndListener>();
  readonly #drainWaiters: Array<() => void> = [];
  #file: Promise<RandomAccessFile> | undefined;
  #pinnedBytes = 0;
  #appendAt = 0;
  #writing = false;
  #size = 0;
  #edge = 0;
  #ended = false;
  #closed = false;

  private constructor(path: PathLike, writable: boolean, options: SpoolOptions) {
    this.path = path;
    this.#writable = writable;
    this.#temporary = options.temporary ?? false;
    this.#onError = options.onError;
    this.cacheBytes = options.cacheBytes ?? DEFAULT_STORE_CACHE_BYTES;
    if (!Number.isSafeInteger(this.cacheBytes) || this.cacheBytes < 0) {
      throw new InvalidOptionError(`cacheBytes must be an integer >= 0, got ${this.cacheBytes}`);
    }
    this.#cache = new ReadCache(this.cacheBytes, (chunk) => this.release(chunk));
  }

  /** A store over a complete file that holds the stream's bytes: read only. */
  static overFile(path: PathLike, options: ChunkStoreOptions = {}): ChunkStore {
    return new ChunkStore(path, false, options);
  }

  /** A store that writes each chunk to `path` (created empty, or truncated) as it is added. */
  static spool(path: PathLike, options: SpoolOptions = {}): ChunkStore {
    return new ChunkStore(path, true, options);
  }

  get ended(): boolean {
    return this.#ended;
  }

  get edge(): number {
    return this.#edge;
  }

  get size(): number {
    return this.#size;
  }

  /** Bytes of chunk data held in memory now (the read cache and unwritten chunks). */
  get memoryBytes(): number {
    return this.#cache.bytes + this.#pinnedBytes;
  }

  has(seq: number): boolean {
    return this.#index.has(seq);
  }

  dataBytes(seq: number): number | undefined {
    return this.#index.has(seq) ? this.#index.length(seq) : undefined;
  }

  get(seq: number): Chunk | undefined {
    return this.#pinned.get(seq) ?? this.#lend(this.#cache.get(seq));
  }

  /** The chunk from memory or read back from the file; rejects with `STORE_CLOSED` after `close()`. */
  async read(seq: number, options: { signal?: AbortSignal } = {}): Promise<Chunk | undefined> {
    options.signal?.throwIfAborted();
    if (this.#closed) throw new StoreClosedError(`the chunk store of ${String(this.path)} is closed`);
    const held = this.get(seq);
    if (held || !this.#index.has(seq)) return held;
    // Two peers asking for one chunk at once share one read.
    let reading = this.#reading.get(seq);
    if (!reading) {
      reading = this.#readFromFile(seq).finally(() => this.#reading.delete(seq));
      this.#reading.set(seq, reading);
    }
    // Lent to each caller as the read resolves: the cache cannot drop it before (that takes another read's end, a later task).
    return reading.then((chunk) => this.#lend(chunk));
  }

  /**
   * Gives back a chunk got from `get` or `read`, once nothing reads its bytes any more,
   * so its buffer can be read into again. Give back each chunk once per time it was got,
   * never more; a chunk not read from the file (or from another store) is ignored.
   */
  release(chunk: Chunk): void {
    const lent = this.#lent.get(chunk);
    if (!lent) return;
    lent.holders -= 1;
    if (lent.holders > 0) return;
    this.#lent.delete(chunk);
    this.#pool.give(lent.buffer);
  }

  /**
   * Keeps a verified chunk: a spool writes it at its end; a store over a file
   * records that its bytes are at `at` there, or keeps it in memory when `at` is
   * not given (a chunk that is not a byte range of the file). False when held
   * already, or at or past the final edge.
   */
  add(chunk: Chunk, at?: number): boolean {
    const { seq } = chunk;
    if (!Number.isSafeInteger(seq) || seq < 0 || seq >= MAX_STORED_CHUNKS) {
      throw new InvalidArgumentError(`seq must be an integer from 0 to ${MAX_STORED_CHUNKS - 1}, got ${seq}`);
    }
    if (this.#index.has(seq) || (this.#ended && seq >= this.#edge)) return false;
    if (at !== undefined && this.#writable) throw new InvalidArgumentError('a spool places chunks itself: add them without an offset');
    let offset = at ?? -1;
    if (this.#writable) {
      offset = this.#appendAt;
      this.#appendAt += chunk.data.length;
    }
    this.#index.set(seq, { offset, length: chunk.data.length, ts: chunk.ts, sig: chunk.sig });
    if (offset < 0 || this.#writable) this.#pin(chunk);
    if (this.#writable) {
      this.#writeQueue.push(seq);
      if (!this.#writing) void this.#writeAll();
    }
    this.#size += 1;
    if (seq >= this.#edge) this.#edge = seq + 1;
    for (const listener of this.#chunkListeners) listener(chunk);
    return true;
  }

  /**
   * Resolves once the chunks not yet written hold no more than `cacheBytes` (at once
   * if they do, or if nothing is being written: chunks whose write failed stay in memory
   * and are not waited for).
   */
  drained(): Promise<void> {
    if (this.#pinnedBytes <= this.cacheBytes || !this.#writing || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  finish(edge: number = this.#edge): void {
    if (this.#ended) return;
    if (!Number.isSafeInteger(edge) || edge < this.#edge) {
      throw new InvalidArgumentError(`a stream cannot end at ${edge}: seq ${this.#edge - 1} was already seen`);
    }
    this.#edge = edge;
    this.#ended = true;
    for (const listener of this.#endListeners) listener(edge);
  }

  bufferMap(): BufferMap {
    const bits = new Uint8Array(Math.ceil(this.#edge / 8));
    for (const seq of this.#index.seqs(this.#edge)) bits[seq >> 3]! |= 0x80 >> (seq & 7);
    return { base: 0, bits };
  }

  onChunk(listener: ChunkListener<Chunk>): () => void {
    this.#chunkListeners.add(listener);
    return () => void this.#chunkListeners.delete(listener);
  }

  onEnd(listener: EndListener): () => void {
    this.#endListeners.add(listener);
    return () => void this.#endListeners.delete(listener);
  }

  /** Finishes the writes under way, closes the file, and deletes it if it is `temporary`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const resolve of this.#drainWaiters.splice(0)) resolve();
    while (this.#writing) await new Promise((resolve) => setImmediate(resolve));
    // A file never opened was never made.
    if (this.#file) await (await this.#file.catch(() => undefined))?.close({ remove: this.#temporary });
    this.#cache.clear();
    this.#pool.clear();
    this.#pinned.clear();
    this.#pinnedBytes = 0;
  }

  #open(): Promise<RandomAccessFile> {
    // Never (re)opened once closed: a spool's file would be made again after it was deleted.
    if (this.#closed && this.#file === undefined) return Promise.reject(new StoreClosedError(`the chunk store of ${String(this.path)} is closed`));
    this.#file ??= new FileData(this.path).open(this.#writable ? 'create' : 'read');
    return this.#file;
  }

  async #readFromFile(seq: number): Promise<Chunk | undefined> {
    const file = await this.#open();
    const index = this.#index;
    const length = index.length(seq);
    const buffer = this.#pool.take(length);
    // A file that shrank under a publisher: the chunk is not there to serve.
    if ((await file.readInto(buffer, index.offset(seq), length)) !== length) {
      this.#pool.give(buffer);
      return undefined;
    }
    const chunk: Chunk = { seq, ts: index.ts(seq), data: buffer.subarray(0, length), sig: index.sig(seq) };
    this.#lent.set(chunk, { buffer, holders: this.#cache.set(chunk) ? 1 : 0 });
    return chunk;
  }

  #lend(chunk: Chunk | undefined): Chunk | undefined {
    const lent = chunk && this.#lent.get(chunk);
    if (lent) lent.holders += 1;
    return chunk;
  }

  #pin(chunk: Chunk): void {
    this.#pinned.set(chunk.seq, chunk);
    this.#pinnedBytes += chunk.data.length;
  }

  /**
   * The chunks queued while a write was under way, as many as follow each other in the file (a
   * spool appends in the order chunks are added, so all of them, up to `WRITE_BATCH_CHUNKS`):
   * written in one system call, they cost one thread-pool round trip instead of one each.
   */
  #nextBatch(): Chunk[] {
    const batch: Chunk[] = [];
    let end = -1;
    while (batch.length < WRITE_BATCH_CHUNKS && this.#writeQueue.length > 0) {
      const seq = this.#writeQueue[0]!;
      if (batch.length > 0 && this.#index.offset(seq) !== end) break;
      this.#writeQueue.shift();
      end = this.#index.offset(seq) + this.#index.length(seq);
      batch.push(this.#pinned.get(seq)!);
    }
    return batch;
  }

  /** Writes queued chunks one batch after another; a chunk written is read back from the file from then on. */
  async #writeAll(): Promise<void> {
    this.#writing = true;
    try {
      const file = await this.#open();
      // Closing finishes the writes, unless the file is about to be deleted.
      for (let batch = this.#nextBatch(); batch.length > 0 && !(this.#closed && this.#temporary); batch = this.#nextBatch()) {
        try {
          await file.writevAt(
            batch.map((chunk) => chunk.data),
            this.#index.offset(batch[0]!.seq),
          );
        } catch (error) {
          this.#onError?.(error instanceof Error ? error : new Error(String(error)));
          continue;
        }
        for (const chunk of batch) {
          // Not cached: its bytes may be a view into a bigger buffer (a connection's read), which caching would keep alive.
          this.#pinned.delete(chunk.seq);
          this.#pinnedBytes -= chunk.data.length;
        }
        if (this.#pinnedBytes <= this.cacheBytes) for (const resolve of this.#drainWaiters.splice(0)) resolve();
      }
    } catch (error) {
      this.#onError?.(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.#writing = false;
      for (const resolve of this.#drainWaiters.splice(0)) resolve();
    }
  }
}
