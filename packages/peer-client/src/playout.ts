import type { Chunk, ChunkWindow } from '@p2pstream/data';
import type { Sink } from './sink.js';
import type { ViewerCounters } from './viewer-stats.js';

export interface PlayoutOptions {
  live: boolean;
  /** First chunk to write (finished streams). */
  from: number;
  window: ChunkWindow<Chunk>;
  sink: Sink | undefined;
  counters: ViewerCounters;
  wallClock: () => number;
  onPlayed(seq: number): void;
  onSkipped(seq: number): void;
  /** Every chunk of the stream has been played or skipped. */
  onEnd(): void;
  onWarning(error: Error): void;
}

/**
 * Writes the stream to the sink in order. Live: each chunk when the scheduler
 * says it is due (`played`), and a chunk that missed its deadline is skipped
 * (`missed`); the sink is not waited for. Finished: each chunk as soon as every
 * chunk before it is written, waiting for the sink, never skipping.
 */
export class Playout {
  readonly live: boolean;
  readonly #o: PlayoutOptions;
  #next: number;
  #firstDue: number | undefined;
  #finalEdge: number | undefined;
  #writing = false;
  #sinkFailed = false;
  #ended = false;

  constructor(options: PlayoutOptions) {
    this.#o = options;
    this.live = options.live;
    this.#next = options.from;
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

  /** The stream has `edge` chunks in all (it is finished, or a live stream ended). */
  setFinalEdge(edge: number): void {
    if (this.#finalEdge !== undefined) return;
    this.#finalEdge = edge;
    if (this.live) {
      if (this.#next >= edge) this.#end();
    } else void this.#drain();
  }

  /** Live: the scheduler's playhead reached `seq`, which is held. */
  played(seq: number): void {
    if (this.#ended) return;
    const chunk = this.#o.window.get(seq);
    if (!chunk) return this.missed(seq);
    this.#record(chunk);
    this.#writeLive(chunk.data);
    this.#advance(seq);
  }

  /** Live: `seq` did not arrive before its deadline. */
  missed(seq: number): void {
    if (this.#ended) return;
    if (this.#finalEdge !== undefined && seq >= this.#finalEdge) return this.#end();
    this.#firstDue ??= seq;
    this.#o.counters.skipped += 1;
    this.#o.onSkipped(seq);
    this.#advance(seq);
  }

  /** Finished: a chunk was kept; write whatever is now contiguous. */
  chunkAdded(): void {
    if (!this.live) void this.#drain();
  }

  #advance(seq: number): void {
    this.#next = seq + 1;
    if (this.#finalEdge !== undefined && this.#next >= this.#finalEdge) this.#end();
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
    const { window, sink } = this.#o;
    try {
      for (let chunk = window.get(this.#next); chunk !== undefined && !this.#ended; chunk = window.get(this.#next)) {
        if (sink && !this.#sinkFailed) {
          try {
            await sink.write(chunk.data);
          } catch (error) {
            this.#sinkError(error);
          }
        }
        this.#record(chunk);
        this.#next += 1;
      }
    } finally {
      this.#writing = false;
    }
    if (this.#finalEdge !== undefined && this.#next >= this.#finalEdge) this.#end();
  }

  #sinkError(error: unknown): void {
    if (this.#sinkFailed) return;
    this.#sinkFailed = true;
    this.#o.onWarning(new Error(`writing the stream failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#o.onEnd();
  }
}
