import { DEFAULT_RATE_WINDOW_MS } from './constants.js';

/** Buckets per window: the rate moves in steps of a sixth of the window. */
const BUCKETS = 6;

/**
 * Bytes per second over the last `windowMs`, with no timers: amounts go into
 * buckets of `windowMs / 6` by the time given, and a bucket older than the
 * window is reused. A meter younger than its window divides by its age, so a
 * new peer's rate is not understated.
 */
export class RateMeter {
  readonly windowMs: number;
  readonly #bucketMs: number;
  readonly #amounts = new Float64Array(BUCKETS);
  /** Which bucket number (time ÷ bucketMs) each slot holds. */
  readonly #numbers = new Float64Array(BUCKETS).fill(-Infinity);
  readonly #since: number;

  /** `now` is the meter's start, on the clock later calls use. */
  constructor(now: number, windowMs: number = DEFAULT_RATE_WINDOW_MS) {
    this.windowMs = windowMs;
    this.#bucketMs = windowMs / BUCKETS;
    this.#since = now;
  }

  add(amount: number, now: number): void {
    const number = Math.floor(now / this.#bucketMs);
    const slot = number % BUCKETS;
    if (this.#numbers[slot] !== number) {
      this.#numbers[slot] = number;
      this.#amounts[slot] = 0;
    }
    this.#amounts[slot]! += amount;
  }

  /** The rate at `now`, per second. */
  perSecond(now: number): number {
    const current = Math.floor(now / this.#bucketMs);
    let total = 0;
    for (let slot = 0; slot < BUCKETS; slot++) {
      const number = this.#numbers[slot]!;
      if (number > current - BUCKETS && number <= current) total += this.#amounts[slot]!;
    }
    const covered = (BUCKETS - 1) * this.#bucketMs + (now - current * this.#bucketMs);
    const span = Math.max(this.#bucketMs, Math.min(covered, now - this.#since));
    return (total * 1000) / span;
  }
}
