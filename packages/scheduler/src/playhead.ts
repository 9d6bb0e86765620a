/**
 * `waiting`: no playhead yet. `playing`: chunks fall due one every chunk duration.
 * `stalled`: the playhead waits for a chunk that is not held (a finished stream, for as long as it
 * takes; a live one with a target latency, until a time it is given).
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
  /** A chunk played since the last seat and its time at the source: where `followSource` measures from. */
  #sourceAnchor: { seq: number; ts: number } | undefined;
  /** While stalled: when the wait ends (live), or undefined for a wait without end (finished). */
  #stalledUntil: number | undefined;

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
    this.#sourceAnchor = undefined;
  }

  /**
   * Live: chunk `seq`, just played, was cut at `ts` on the source's clock. A publisher cuts a
   * chunk every chunk duration, so a chunk cut later than that, counted from the anchor, says
   * the source fell behind its own grid (a starved publisher cuts several steps' media into one
   * chunk) and every later chunk comes as much later. The chunks still to play fall due as
   * much later (up to `maxDelayMs`), or each such stall would take that much, for good, from the
   * time this viewer has to fetch a chunk before it is due. Returns the delay.
   */
  followSource(seq: number, ts: number, maxDelayMs: number): number {
    const anchor = this.#sourceAnchor;
    const lateMs = anchor === undefined ? 0 : ts - anchor.ts - (seq - anchor.seq) * this.chunkDurationMs;
    // Sooner than the grid (a chunk cut early, full by size) or within half a step: nothing to follow.
    if (anchor !== undefined && lateMs < this.chunkDurationMs / 2) return 0;
    this.#sourceAnchor = { seq, ts };
    const delay = Math.min(lateMs, maxDelayMs);
    this.#dueAt += delay;
    return delay;
  }

  /**
   * Live: play-out is `ms` ahead of where it was (catching up): every chunk still to play falls
   * due that much sooner.
   */
  advance(ms: number): void {
    this.#dueAt -= ms;
  }

  /**
   * When `seq` is due. While stalled, the playhead chunk is due now (or, live, when the wait
   * ends), and the rest follow it as if it came now: the chunks after it must not look later
   * than they are, or they are asked for late and each is waited for in turn.
   */
  deadline(seq: number, now: number): number {
    if (this.#state !== 'stalled') return this.#dueAt + (seq - this.#seq) * this.chunkDurationMs;
    if (seq === this.#seq) return this.#stalledUntil ?? now;
    return now + (seq - this.#seq) * this.chunkDurationMs;
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

  /** The playhead waits for its chunk: for as long as it takes, or (live) until `until`. */
  stall(until?: number): void {
    this.#state = 'stalled';
    this.#stalledUntil = until;
  }

  /** While stalled: when the wait ends, or undefined for a wait without end. */
  get stalledUntil(): number | undefined {
    return this.#state === 'stalled' ? this.#stalledUntil : undefined;
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
