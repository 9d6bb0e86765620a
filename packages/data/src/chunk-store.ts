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
   * unwritten ones alone exceed it. Buffers freed from either are kept to read
   * and receive chunks into again: up to twice this, as many as were in use.
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
  /**
   * Bytes of added chunks held in memory unwritten: past this, the chunks of highest
   * seq (the furthest ahead of a play-out that goes in order) are written first. A
   * chunk `place`d in `placeFile` while held is never written here at all. 0: each
   * chunk is written as it is added, in that order. At most `cacheBytes`.
   * @default 0
   */
  holdBytes?: number;
  /**
   * A file another writer fills with chunks, at offsets it reports with `place`
   * (play-out writing `--out FILE`): chunks placed there are read back from it.
   */
  placeFile?: PathLike;
}

/**
 * The chunks of a finished stream, kept in a file instead of in memory, so
 * memory is bounded by `cacheBytes` and not by the stream. Per chunk it keeps
 * only where its bytes are, its timestamp and its signature (`ChunkIndex`).
 *
 * Two ways to use it: `ChunkStore.overFile(path)` for a publisher whose stream
 * *is* a complete file (chunks are added with the offset their bytes already have
 * there; nothing is written), and `ChunkStore.spool(path)` for a viewer (each
 * chunk added is written at the end of the file, in the order chunks arrive, or,
 * with `holdBytes`, once more than that is held). A spool with a `placeFile` keeps
 * a chunk that play-out wrote there (`place`) in that file instead of its own, so
 * a viewer writing `--out FILE` does not write the stream twice.
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
  /** The file chunks are `place`d in, if any (`SpoolOptions.placeFile`). */
  readonly placeFile: PathLike | undefined;
  readonly live = false;
  readonly base = 0;
  readonly #writable: boolean;
  readonly #temporary: boolean;
  readonly #holdBytes: number;
  readonly #onError: ((error: Error) => void) | undefined;
  readonly #index = new ChunkIndex();
  readonly #cache: ReadCache;
  readonly #pool: BufferPool;
  /** Buffers handed out by `receiveBuffer`, by their memory, until a chunk received into one is added. */
  readonly #received = new WeakMap<ArrayBufferLike, Buffer>();
  /**
   * Chunks read into pooled buffers, with their whole buffer and how many hold them (the
   * cache counts as one). Weak: a chunk some holder never gives back is collected as usual.
   */
  readonly #lent = new WeakMap<Chunk, { buffer: Buffer; holders: number }>();
  /** Added, not written yet (or never: a chunk of a read-only store that is not a range of its file), in the order added. */
  readonly #pinned = new Map<number, Chunk>();
  /** Pinned chunks taken for a write, and their bytes: under way, or failed (those stay in memory, not tried again). */
  readonly #taken = new Set<number>();
  #takenBytes = 0;
  readonly #reading = new Map<number, Promise<Chunk | undefined>>();
  readonly #chunkListeners = new Set<ChunkListener<Chunk>>();
  readonly #endListeners = new Set<EndListener>();
  readonly #drainWaiters: Array<() => void> = [];
  #file: Promise<RandomAccessFile> | undefined;
  #placeReader: Promise<RandomAccessFile> | undefined;
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
    this.#holdBytes = options.holdBytes ?? 0;
    if (!Number.isSafeInteger(this.#holdBytes) || this.#holdBytes < 0 || this.#holdBytes > this.cacheBytes) {
      throw new InvalidOptionError(`holdBytes must be an integer from 0 to cacheBytes (${this.cacheBytes}), got ${this.#holdBytes}`);
    }
    this.placeFile = options.placeFile;
    this.#cache = new ReadCache(this.cacheBytes, (chunk) => this.release(chunk));
    // As many free buffers as the store holds chunks at its fullest (its cache and its unwritten
    // chunks): a write batch gives back dozens at once, and dropping them only made them again.
    this.#pool = new BufferPool({ maxFreeBytes: 2 * this.cacheBytes });
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
    return this.#lend(this.#pinned.get(seq) ?? this.#cache.get(seq));
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
   * A buffer from the store's pool to receive a chunk of `length` bytes into (a connection's
   * `takeBuffer`): a chunk added whose data is a view of it is held like a chunk read back,
   * and its buffer is received into again once it is written and every holder gave it back.
   */
  receiveBuffer(length: number): Buffer {
    const buffer = this.#pool.take(length);
    this.#received.set(buffer.buffer, buffer);
    return buffer;
  }

  /**
   * One more holder of a chunk got from `get`, `read` or `onChunk`, to `release` it in turn:
   * its buffer is not reused until then. A chunk not in a pooled buffer is ignored.
   */
  hold(chunk: Chunk): void {
    this.#lend(chunk);
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
    // A spool's chunk gets its offset when it is written.
    const offset = at ?? -1;
    this.#index.set(seq, { offset, length: chunk.data.length, ts: chunk.ts, sig: chunk.sig });
    if (offset < 0) this.#pin(chunk);
    const received = this.#received.get(chunk.data.buffer);
    if (received) {
      // Its one holder is the pin: unpinned once written, it goes back to the pool unless someone holds it.
      this.#received.delete(chunk.data.buffer);
      if (offset < 0) this.#lent.set(chunk, { buffer: received, holders: 1 });
    }
    if (this.#writable && !this.#writing && this.#mustWrite()) void this.#writeAll();
    this.#size += 1;
    if (seq >= this.#edge) this.#edge = seq + 1;
    for (const listener of this.#chunkListeners) listener(chunk);
    return true;
  }

  /**
   * Play-out wrote chunk `seq`, as added, at `offset` of the `placeFile`: if it is
   * still held unwritten, it is read back from there from now on and never written to
   * the store's own file. False (and nothing changes) when it was written already, or
   * is being written. Throws `INVALID_ARGUMENT` for a store without a `placeFile`.
   */
  place(seq: number, offset: number): boolean {
    if (this.placeFile === undefined) throw new InvalidArgumentError('this chunk store has no placeFile to place chunks in');
    if (!Number.isSafeInteger(offset) || offset < 0) throw new InvalidArgumentError(`offset must be an integer >= 0, got ${offset}`);
    const chunk = this.#pinned.get(seq);
    if (!chunk || this.#taken.has(seq) || this.#closed) return false;
    this.#index.move(seq, offset, true);
    this.#unpin(chunk);
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
    if (this.#placeReader) await (await this.#placeReader.catch(() => undefined))?.close();
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

  /** The `placeFile`, opened to read chunks back the first time one is asked for. */
  #openPlaced(): Promise<RandomAccessFile> {
    if (this.#closed && this.#placeReader === undefined) return Promise.reject(new StoreClosedError(`the chunk store of ${String(this.path)} is closed`));
    this.#placeReader ??= new FileData(this.placeFile!).open('read');
    return this.#placeReader;
  }

  async #readFromFile(seq: number): Promise<Chunk | undefined> {
    const file = await (this.#index.placed(seq) ? this.#openPlaced() : this.#open());
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

  #unpin(chunk: Chunk): void {
    // Not cached: its bytes may be a view into a bigger buffer (a connection's read), which caching would keep alive.
    this.#pinned.delete(chunk.seq);
    this.#pinnedBytes -= chunk.data.length;
    if (this.#pinnedBytes <= this.cacheBytes) for (const resolve of this.#drainWaiters.splice(0)) resolve();
    this.release(chunk);
  }

  /** Whether a spool has chunks to write now: any not being written, or, holding, more than `holdBytes` of them. */
  #mustWrite(): boolean {
    const waiting = this.#pinned.size - this.#taken.size;
    return waiting > 0 && (this.#holdBytes === 0 || this.#pinnedBytes - this.#takenBytes > this.#holdBytes);
  }

  /**
   * The next chunks to write, up to `WRITE_BATCH_CHUNKS`, written one after another at the
   * file's end in one system call (one thread-pool round trip instead of one each): all those
   * waiting in the order added, or, holding, the highest seqs until what is left is `holdBytes`.
   */
  #nextBatch(): Chunk[] {
    if (!this.#mustWrite()) return [];
    const waiting = [...this.#pinned.values()].filter((chunk) => !this.#taken.has(chunk.seq));
    if (this.#holdBytes === 0) return waiting.slice(0, WRITE_BATCH_CHUNKS);
    waiting.sort((a, b) => b.seq - a.seq);
    const batch: Chunk[] = [];
    let excess = this.#pinnedBytes - this.#takenBytes - this.#holdBytes;
    for (const chunk of waiting) {
      if (excess <= 0 || batch.length === WRITE_BATCH_CHUNKS) break;
      batch.push(chunk);
      excess -= chunk.data.length;
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
        const at = this.#appendAt;
        const bytes = batch.reduce((sum, chunk) => sum + chunk.data.length, 0);
        for (const chunk of batch) this.#taken.add(chunk.seq);
        this.#takenBytes += bytes;
        try {
          await file.writevAt(
            batch.map((chunk) => chunk.data),
            at,
          );
        } catch (error) {
          // The chunks stay in memory, taken, where they are served from.
          this.#onError?.(error instanceof Error ? error : new Error(String(error)));
          continue;
        }
        for (const chunk of batch) this.#taken.delete(chunk.seq);
        this.#takenBytes -= bytes;
        this.#appendAt = at + bytes;
        let offset = at;
        for (const chunk of batch) {
          this.#index.move(chunk.seq, offset, false);
          offset += chunk.data.length;
          this.#unpin(chunk);
        }
      }
    } catch (error) {
      this.#onError?.(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.#writing = false;
      for (const resolve of this.#drainWaiters.splice(0)) resolve();
    }
  }
}
