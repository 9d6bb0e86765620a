import type { Chunk, HeldChunks } from '@p2pstream/data';
import type { Sink } from './sink.js';
import type { ViewerCounters, ViewerSkipCause } from './viewer-stats.js';

export interface SinkWriterOptions {
  live: boolean;
  /** First chunk to write (finished streams). */
  from: number;
  /** The chunks written from; the writer hears of each one kept there. */
  window: HeldChunks;
  sink: Sink | undefined;
  /**
   * Finished: bytes of chunks kept here from when they are added until they are written, when
   * they arrive at most this far ahead of play-out, so that the sink gets them from memory and
   * not read back from a store's file that wrote them meanwhile. 0: none kept.
   */
  aheadBytes?: number;
  /** Finished: chunk `seq` is in the sink's `filePath` at `position` (see `Sink.write`). */
  onInFile?(seq: number, position: number): void;
  /**
   * Finished: told `true` when play-out falls behind what arrives (a sink slower than the
   * peers): it is writing, and more than `backlogBytes` of chunks wait in a row from the next
   * one to write. Told `false` once two thirds of that or less wait, it waits for a chunk not
   * here yet, or it ends. Chunks past a gap do not count: fetched out of order, they are not
   * play-out's backlog. Fetching more meanwhile only has a store write chunks to its file for
   * play-out to read back.
   */
  onBackedUp?(backedUp: boolean): void;
  /** Finished, with `onBackedUp`: see there. */
  backlogBytes?: number;
  counters: ViewerCounters;
  wallClock: () => number;
  onPlayed(seq: number): void;
  onSkipped(seq: number, cause: ViewerSkipCause, peers: readonly string[]): void;
  /** Every chunk of the stream has been played or skipped. */
  onEnd(): void;
  onWarning(error: Error): void;
}

/**
 * Writes the stream to the sink in order, as it is told; it decides nothing about
 * time. Live: the scheduler owns the playhead and the rule (play, skip with a cause,
 * or pause), and this writes each chunk it says to play (`play`), counts each it
 * says to skip (`skip`), and ends when it says the playhead passed the last chunk
 * (`finish`); the sink is not waited for. Finished: nothing is ever skipped, so
 * there is no rule to apply: each chunk is written as soon as every chunk before
 * it is, waiting for the sink.
 */
export class SinkWriter {
  readonly live: boolean;
  readonly #o: SinkWriterOptions;
  #next: number;
  #firstDue: number | undefined;
  #finalEdge: number | undefined;
  #writing = false;
  #sinkFailed = false;
  #ended = false;
  /** Finished: chunks added just ahead of play-out, by seq, until written (`aheadBytes`). */
  readonly #ahead = new Map<number, Chunk>();
  #aheadBytes = 0;
  /** Finished: the first chunk from `#next` on that is not here (so `#inRowEnd - #next` chunks wait in a row). */
  #inRowEnd = 0;
  /** Finished: the largest chunk seen, bytes (a finished stream is cut at one size but its last). */
  #chunkBytes = 0;
  /** Finished: last told to `onBackedUp`. */
  #backedUp = false;

  constructor(options: SinkWriterOptions) {
    this.#o = options;
    this.live = options.live;
    this.#next = options.from;
    options.window.onChunk((chunk) => this.#chunkAdded(chunk));
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** One past the last chunk, once known. */
  get finalEdge(): number | undefined {
    return this.#finalEdge;
  }

  /** The next chunk to write (finished streams). */
  get next(): number {
    return this.#next;
  }

  /** The first chunk that fell due (played or skipped), once one did. */
  get firstDue(): number | undefined {
    return this.#firstDue;
  }

  /** The stream has `edge` chunks in all (it is finished, or a live stream ended); a finished stream ends once all are written. */
  setFinalEdge(edge: number): void {
    if (this.#finalEdge !== undefined) return;
    this.#finalEdge = edge;
    if (!this.live) void this.#drain();
  }

  /** Live: the scheduler's playhead reached `seq`, which it holds. */
  play(seq: number): void {
    if (this.#ended) return;
    const chunk = this.#o.window.get(seq);
    // The window dropped it before it was due (a window shorter than the scheduler's look-ahead).
    if (!chunk) return this.skip(seq, 'evicted');
    this.#record(chunk);
    this.#writeLive(chunk.data);
    this.#next = seq + 1;
  }

  /** Live: the scheduler skipped `seq`, for `cause` (concerning `peers`). */
  skip(seq: number, cause: ViewerSkipCause, peers: readonly string[] = []): void {
    if (this.#ended) return;
    this.#firstDue ??= seq;
    this.#o.counters.skip(cause);
    this.#o.onSkipped(seq, cause, peers);
    this.#next = seq + 1;
  }

  /** Live: the scheduler's playhead passed the last chunk. */
  finish(): void {
    this.#end();
  }

  /** Finished: a chunk was kept; write whatever is now contiguous. */
  #chunkAdded(chunk: Chunk): void {
    if (this.live) return;
    const bytes = chunk.data.length;
    if (chunk.seq >= this.#next && this.#aheadBytes + bytes <= (this.#o.aheadBytes ?? 0)) {
      // Held as `get` would hold it: a store written meanwhile must not receive into its buffer again.
      this.#o.window.hold?.(chunk);
      this.#ahead.set(chunk.seq, chunk);
      this.#aheadBytes += bytes;
    }
    this.#chunkBytes = Math.max(this.#chunkBytes, bytes);
    this.#checkBacklog();
    void this.#drain();
  }

  #record(chunk: Chunk): void {
    const { counters, wallClock } = this.#o;
    this.#firstDue ??= chunk.seq;
    counters.firstPlayedAt ??= wallClock();
    counters.played += 1;
    counters.lastPlayedTs = chunk.ts;
    this.#o.onPlayed(chunk.seq);
  }

  /** Live: the stream goes on in real time, so the sink is not waited for (it bounds its own buffer). */
  #writeLive(data: Uint8Array): void {
    const { sink } = this.#o;
    if (!sink || this.#sinkFailed) return;
    try {
      const written = sink.write(data);
      if (written) written.catch((error: unknown) => this.#sinkError(error));
    } catch (error) {
      this.#sinkError(error);
    }
  }

  async #drain(): Promise<void> {
    if (this.#writing || this.#ended) return;
    this.#writing = true;
    const { window, sink, onInFile } = this.#o;
    try {
      // `has` is checked with no await before the loop ends, so a chunk added meanwhile is never missed.
      while (!this.#ended && window.has(this.#next)) {
        const chunk = await this.#held(this.#next);
        if (chunk === undefined) break;
        if (this.#ended) {
          window.release?.(chunk);
          break;
        }
        if (sink && !this.#sinkFailed) {
          try {
            const { seq } = chunk;
            // Given back once the sink let go of the bytes, if it ever says so.
            await sink.write(chunk.data, onInFile && ((position) => onInFile(seq, position)), () => window.release?.(chunk));
          } catch (error) {
            this.#sinkError(error);
          }
        } else {
          window.release?.(chunk);
        }
        this.#record(chunk);
        this.#next += 1;
        this.#checkBacklog();
      }
    } finally {
      this.#writing = false;
      this.#checkBacklog();
    }
    if (this.#finalEdge !== undefined && this.#next >= this.#finalEdge) this.#end();
  }

  /** The chunk when held (to `release` once written): from memory, or read back from a store's file. */
  async #held(seq: number): Promise<Chunk | undefined> {
    const ahead = this.#ahead.get(seq);
    if (ahead) {
      this.#ahead.delete(seq);
      this.#aheadBytes -= ahead.data.length;
      return ahead;
    }
    const { window } = this.#o;
    const chunk = window.get(seq);
    if (chunk || !window.has(seq)) return chunk;
    try {
      return await window.read(seq);
    } catch (error) {
      // The store closed under play-out (the client is closing), or its file failed.
      if (!this.#ended) this.#o.onWarning(new Error(`reading chunk ${seq} back failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
      return undefined;
    }
  }

  /** Finished: tells `onBackedUp` when the chunks waiting in a row pass `backlogBytes`, or fall to two thirds of it. */
  #checkBacklog(): void {
    if (!this.#o.onBackedUp) return;
    const window = this.#o.window;
    this.#inRowEnd = Math.max(this.#inRowEnd, this.#next);
    while (window.has(this.#inRowEnd)) this.#inRowEnd += 1;
    const waitingBytes = (this.#inRowEnd - this.#next) * this.#chunkBytes;
    const limit = this.#o.backlogBytes ?? 0;
    const backedUp = this.#writing && !this.#ended && (this.#backedUp ? waitingBytes > (limit * 2) / 3 : waitingBytes > limit);
    if (backedUp === this.#backedUp) return;
    this.#backedUp = backedUp;
    this.#o.onBackedUp(backedUp);
  }

  #sinkError(error: unknown): void {
    if (this.#sinkFailed) return;
    this.#sinkFailed = true;
    this.#o.onWarning(new Error(`writing the stream failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const chunk of this.#ahead.values()) this.#o.window.release?.(chunk);
    this.#ahead.clear();
    this.#aheadBytes = 0;
    this.#checkBacklog();
    this.#o.onEnd();
  }
}
