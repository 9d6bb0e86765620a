import type { Clock } from '../clock.js';

interface Timer {
  readonly at: number;
  readonly callback: () => void;
  readonly order: number;
}

/** Lets promise continuations and `nextTick`s run (one turn of the event loop; no real time is waited for). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A clock that moves only when told to, firing due timers in time order (ties in
 * the order they were set). Hand it to connections, servers, the upload limiter
 * and `createMemoryPair()` to run deadlines and deliveries without real time.
 */
export class FakeClock implements Clock {
  #now = 0;
  #order = 0;
  readonly #timers = new Set<Timer>();

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const timer = { at: this.#now + Math.max(0, ms), callback, order: this.#order++ };
    this.#timers.add(timer);
    return timer;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as Timer);
  }

  /** Timers set and not yet fired or cleared. */
  get pending(): number {
    return this.#timers.size;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way (and
   * timers those set), synchronously: promise continuations run only afterwards.
   */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (let next = this.#next(end); next; next = this.#next(end)) this.#fire(next);
    this.#now = end;
  }

  /**
   * Moves time forward by `ms` like `advance`, but lets promise continuations and
   * I/O callbacks run after each timer, so a conversation over a memory pair on
   * this clock plays out: `await clock.run(0)` delivers everything due now and
   * what the answers to it send, until nothing more is due.
   */
  async run(ms = 0): Promise<void> {
    const end = this.#now + ms;
    await settle();
    for (let next = this.#next(end); next; next = this.#next(end)) {
      this.#fire(next);
      await settle();
    }
    this.#now = end;
    await settle();
  }

  /** The earliest timer due at or before `end`. */
  #next(end: number): Timer | undefined {
    let next: Timer | undefined;
    for (const timer of this.#timers) {
      if (timer.at <= end && (!next || timer.at < next.at || (timer.at === next.at && timer.order < next.order))) next = timer;
    }
    return next;
  }

  #fire(timer: Timer): void {
    this.#timers.delete(timer);
    this.#now = Math.max(this.#now, timer.at);
    timer.callback();
  }
}
