import type { Clock, TimerHandle } from './clock.js';

interface Timer {
  at: number;
  order: number;
  callback: () => void;
  cancelled: boolean;
}

/** Lets promise continuations and I/O callbacks run (one turn of the event loop; no real time is waited for). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A clock that only moves when told to, for tests and simulations. Hand it to anything that
 * takes a `Clock` (connections, the memory pair, the scheduler, the chunker, the tracker).
 * Timers fire in time order (ties in the order they were set), each with `now()` equal to
 * its due time. `advance` moves time synchronously; `run` lets promise continuations and
 * I/O callbacks run at each instant, so a conversation over a memory pair plays out.
 */
export class ManualClock implements Clock {
  #now: number;
  #order = 0;
  #heap: Timer[] = [];
  #live = 0;

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const timer: Timer = { at: this.#now + Math.max(0, ms), order: this.#order++, callback, cancelled: false };
    this.#push(timer);
    this.#live += 1;
    return timer;
  }

  clearTimeout(handle: TimerHandle): void {
    const timer = handle as Timer | undefined;
    if (timer && !timer.cancelled) {
      timer.cancelled = true;
      this.#live -= 1;
    }
  }

  /** Timers set and neither fired nor cleared. */
  get pendingTimers(): number {
    return this.#live;
  }

  /** Due time of the earliest pending timer, or undefined when none is pending. */
  nextAt(): number | undefined {
    this.#dropCancelled();
    return this.#heap[0]?.at;
  }

  /**
   * Fires, synchronously and in order, every timer due at or before `until` (also those set
   * while firing), then sets the time to `until`. Promise continuations do not run in between:
   * use `run` for that, or let the caller await between calls.
   */
  fireUntil(until: number): number {
    let fired = 0;
    for (;;) {
      this.#dropCancelled();
      const top = this.#heap[0];
      if (!top || top.at > until) break;
      this.#pop();
      top.cancelled = true;
      this.#live -= 1;
      this.#now = Math.max(this.#now, top.at);
      fired += 1;
      top.callback();
    }
    this.#now = Math.max(this.#now, until);
    return fired;
  }

  /** Moves time forward by `ms` like `fireUntil`, synchronously. Returns how many timers fired. */
  advance(ms: number): number {
    return this.fireUntil(this.#now + ms);
  }

  /**
   * Moves time forward by `ms` (default 0: what is due now), one instant at a time, letting
   * promise continuations and I/O callbacks run at each instant before the next timer fires.
   * Returns how many timers fired.
   */
  async run(ms = 0): Promise<number> {
    const until = this.#now + ms;
    let fired = 0;
    await settle();
    for (;;) {
      const next = this.nextAt();
      if (next === undefined || next > until) break;
      fired += this.fireUntil(next);
      await settle();
    }
    this.#now = Math.max(this.#now, until);
    await settle();
    return fired;
  }

  #dropCancelled(): void {
    while (this.#heap.length > 0 && this.#heap[0]!.cancelled) this.#pop();
  }

  #before(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order);
  }

  #push(timer: Timer): void {
    const heap = this.#heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let best = i;
      if (left < heap.length && this.#before(heap[left]!, heap[best]!)) best = left;
      if (right < heap.length && this.#before(heap[right]!, heap[best]!)) best = right;
      if (best === i) break;
      [heap[i], heap[best]] = [heap[best]!, heap[i]!];
      i = best;
    }
  }
}
