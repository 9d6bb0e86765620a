/**
 * `waiting`: no playhead yet. `playing`: chunks fall due one every chunk duration.
 * `stalled` (finished streams): the playhead waits for a chunk that is not held.
 * `ended` (finished streams): the playhead passed the last chunk.
 */
export type PlayoutState = 'waiting' | 'playing' | 'stalled' | 'ended';

/** What happened to a chunk when the playhead reached it. */
export type PlayoutStep = { seq: number; dueAt: number; outcome: 'played' | 'missed' | 'stalled' | 'ended' };

/**
 * The play-out clock: which chunk is due when. Chunk `playhead + k` is due `k` chunk durations
 * after the playhead's due time. Pure bookkeeping; the scheduler owns the timer.
 */
export class Playout {
  readonly chunkDurationMs: number;
  #state: PlayoutState = 'waiting';
  #playhead = 0;
  #dueAt = 0;

  constructor(chunkDurationMs: number) {
    this.chunkDurationMs = chunkDurationMs;
  }

  get state(): PlayoutState {
    return this.#state;
  }

  get playhead(): number {
    return this.#playhead;
  }

  /** When the playhead chunk is (or was) due. */
  get dueAt(): number {
    return this.#dueAt;
  }

  /** Puts the playhead on `seq`, due at `dueAt`. */
  seat(seq: number, dueAt: number): void {
    this.#playhead = seq;
    this.#dueAt = dueAt;
    this.#state = 'playing';
  }

  /** When `seq` is due. While stalled, the playhead chunk is due now and the rest follow it. */
  deadline(seq: number, now: number): number {
    const base = this.#state === 'stalled' ? now : this.#dueAt;
    return base + (seq - this.#playhead) * this.chunkDurationMs;
  }

  /**
   * Moves the playhead over every chunk due by `now`. Live streams skip what is not held;
   * finished streams stall on it, and end after `end`.
   */
  advance(now: number, isHeld: (seq: number) => boolean, live: boolean, end: number): PlayoutStep[] {
    const steps: PlayoutStep[] = [];
    while (this.#state === 'playing' && this.#dueAt <= now) {
      const seq = this.#playhead;
      if (!live && end >= 0 && seq > end) {
        this.#state = 'ended';
        steps.push({ seq, dueAt: this.#dueAt, outcome: 'ended' });
        break;
      }
      if (isHeld(seq)) steps.push({ seq, dueAt: this.#dueAt, outcome: 'played' });
      else if (live) steps.push({ seq, dueAt: this.#dueAt, outcome: 'missed' });
      else {
        this.#state = 'stalled';
        steps.push({ seq, dueAt: this.#dueAt, outcome: 'stalled' });
        break;
      }
      this.#playhead += 1;
      this.#dueAt += this.chunkDurationMs;
    }
    return steps;
  }

  /** After a stall, the awaited chunk arrived: it is due now. */
  resume(now: number): void {
    if (this.#state !== 'stalled') return;
    this.#state = 'playing';
    this.#dueAt = now;
  }
}
