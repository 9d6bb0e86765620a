/**
 * When each chunk of a live stream becomes available here, estimated from when chunks were
 * first heard of. The publisher cuts one chunk every chunk duration on a fixed grid, so chunk
 * `seq` appears at `origin + seq × chunkDurationMs` for one origin on this clock; every
 * announcement heard at `at` says the origin is at most `at − seq × chunkDurationMs` (a chunk
 * cannot be heard of before it exists, and a stale buffer map only gives a later bound), so the
 * smallest of those bounds is the estimate: the time the fastest path announces a chunk.
 * Pure bookkeeping; the scheduler feeds it and plays each chunk a target latency after its time.
 */
export class EdgeClock {
  readonly chunkDurationMs: number;
  #origin: number | undefined;

  constructor(chunkDurationMs: number) {
    this.chunkDurationMs = chunkDurationMs;
  }

  /** Whether any announcement has been heard since the start or the last `notBefore`. */
  get known(): boolean {
    return this.#origin !== undefined;
  }

  /** When `seq` is (or was) first announced here, as estimated; undefined before any announcement. */
  timeOf(seq: number): number | undefined {
    return this.#origin === undefined ? undefined : this.#origin + seq * this.chunkDurationMs;
  }

  /** `seq` was heard of at `at`. Returns whether the estimate moved earlier (a faster path, or the first announcement). */
  heard(seq: number, at: number): boolean {
    const bound = at - seq * this.chunkDurationMs;
    if (this.#origin !== undefined && bound >= this.#origin) return false;
    this.#origin = bound;
    return true;
  }

  /**
   * `seq` had not been heard of by `at`: the source fell behind its grid (it paused, or runs
   * slow), so the estimate moves later to match. Returns whether it moved.
   */
  notBefore(seq: number, at: number): boolean {
    const bound = at - seq * this.chunkDurationMs;
    if (this.#origin !== undefined && bound <= this.#origin) return false;
    this.#origin = bound;
    return true;
  }
}
