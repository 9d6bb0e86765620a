import type { Clock } from '@p2pstream/units';

/**
 * A deadline that can move on every read without touching a timer: moving it
 * only records the new time, and its one timer checks again when it fires.
 * Idle and slow-frame deadlines move on every `data` event, which would
 * otherwise mean a clearTimeout/setTimeout pair per read.
 */
export class Deadline {
  readonly #clock: Clock;
  readonly #onExpire: () => void;
  #at = Infinity;
  #timer: unknown;
  #armedFor = Infinity;

  constructor(clock: Clock, onExpire: () => void) {
    this.#clock = clock;
    this.#onExpire = onExpire;
  }

  /** Whether a time is set. */
  get active(): boolean {
    return this.#at !== Infinity;
  }

  /** Expires at `at` on the clock's scale, unless moved or cleared before. */
  set(at: number): void {
    this.#at = at;
    if (this.#timer === undefined || this.#armedFor > at) this.#arm();
  }

  /** No deadline until the next `set`; the timer, if any, runs out harmlessly. */
  clear(): void {
    this.#at = Infinity;
  }

  /** Clears the deadline and its timer (when the connection ends). */
  cancel(): void {
    this.#at = Infinity;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#armedFor = this.#at;
    this.#timer = this.#clock.setTimeout(() => this.#fire(), Math.max(0, this.#at - this.#clock.now()));
  }

  #fire(): void {
    this.#timer = undefined;
    if (this.#at === Infinity) return;
    if (this.#clock.now() >= this.#at) {
      this.#at = Infinity;
      this.#onExpire();
    } else {
      this.#arm();
    }
  }
}
