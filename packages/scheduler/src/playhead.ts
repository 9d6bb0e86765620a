/**
 * `waiting`: no playhead yet. `playing`: chunks fall due one every chunk duration.
 * `stalled` (finished streams): the playhead waits for a chunk that is not held.
 * `ended`: the playhead passed the last chunk (a finished stream, or a live one told its end).
 */
export type PlayoutState = 'waiting' | 'playing' | 'stalled' | 'ended';

/**
 * The playhead and its clock: which chunk is due when. Chunk `playhead + k` is due `k` chunk
 * durations after the playhead's due time. Pure bookkeeping; the scheduler owns the timer and
 * the rule for a chunk that is not held when due (`Scheduler#onPlayoutTick`).
 */
export class Playhead {
  /** A finished stream's pace may change as the viewer learns its chunk size (`Scheduler#setChunkDurationMs`). */
  chunkDurationMs: number;
  #state: PlayoutState = 'waiting';
  #seq = 0;
  #dueAt = 0;

  constructor(chunkDurationMs: number) {
    this.chunkDurationMs = chunkDurationMs;
  }

  get state(): PlayoutState {
    return this.#state;
  }

  /** The next chunk to play. */
  get seq(): number {
    return this.#seq;
  }

  /** When the playhead chunk is (or was) due. */
  get dueAt(): number {
    return this.#dueAt;
  }

  /** Puts the playhead on `seq`, due at `dueAt`. */
  seat(seq: number, dueAt: number): void {
    this.#seq = seq;
    this.#dueAt = dueAt;
    this.#state = 'playing';
  }

  /** When `seq` is due. While stalled, the playhead chunk is due now and the rest follow it. */
  deadline(seq: number, now: number): number {
    const base = this.#state === 'stalled' ? now : this.#dueAt;
    return base + (seq - this.#seq) * this.chunkDurationMs;
  }

  /** The playhead chunk when it has fallen due by `now` and play-out is running, else undefined. */
  due(now: number): number | undefined {
    return this.#state === 'playing' && this.#dueAt <= now ? this.#seq : undefined;
  }

  /** The playhead chunk was played or skipped: the next one is due a chunk duration later. */
  pass(): void {
    this.#seq += 1;
    this.#dueAt += this.chunkDurationMs;
  }

  /** Finished streams: the playhead waits for its chunk. */
  stall(): void {
    this.#state = 'stalled';
  }

  end(): void {
    this.#state = 'ended';
  }

  /** After a stall, the awaited chunk arrived: it is due now. */
  resume(now: number): void {
    if (this.#state !== 'stalled') return;
    this.#state = 'playing';
    this.#dueAt = now;
  }
}
