import { monotonicClock, type Clock } from '@p2pstream/units';
import { DEFAULT_BURST_MS } from './constants.js';

export interface UploadLimiterOptions {
  /** Sustained rate of outgoing bytes per second (frame bytes: length prefix and body). */
  bytesPerSecond: number;
  /**
   * Bytes that may go out at once after a quiet spell (the bucket's size).
   * @default 100 ms of traffic at `bytesPerSecond` (at least 1)
   */
  burstBytes?: number;
  /** @default monotonicClock */
  clock?: Clock;
}

interface Waiter {
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (reason: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

/**
 * A token bucket over outgoing bytes that any number of connections can share,
 * so one process keeps to one upload rate (`--upload-limit`). Waiting callers
 * are served in arrival order by a single timer set for the moment the next one
 * can go: no polling, no busy loop.
 *
 * A take larger than the burst waits for a full bucket and then leaves it in
 * debt, so whole frames go out unsplit and the long-run rate holds whatever
 * the message size.
 */
export class UploadLimiter {
  readonly bytesPerSecond: number;
  readonly burstBytes: number;

  readonly #clock: Clock;
  #tokens: number;
  #refilledAt: number;
  readonly #waiters: Waiter[] = [];
  #timer: unknown;

  constructor(options: UploadLimiterOptions) {
    const { bytesPerSecond } = options;
    if (!(bytesPerSecond > 0) || !Number.isFinite(bytesPerSecond)) {
      throw new RangeError(`bytesPerSecond must be a positive number, not ${bytesPerSecond}`);
    }
    this.bytesPerSecond = bytesPerSecond;
    this.burstBytes = options.burstBytes ?? Math.max(1, Math.round((bytesPerSecond * DEFAULT_BURST_MS) / 1000));
    if (!(this.burstBytes >= 1)) throw new RangeError(`burstBytes must be at least 1, not ${this.burstBytes}`);
    this.#clock = options.clock ?? monotonicClock;
    this.#tokens = this.burstBytes;
    this.#refilledAt = this.#clock.now();
  }

  /** Callers waiting for their turn. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Takes `bytes` at once if the bucket allows and nobody is queued ahead; never waits. */
  tryTake(bytes: number): boolean {
    if (this.#waiters.length > 0) return false;
    this.#refill();
    if (this.#tokens < Math.min(bytes, this.burstBytes)) return false;
    this.#tokens -= bytes;
    return true;
  }

  /** Resolves when `bytes` may be sent. Rejects with the signal's reason if it aborts first (nothing is taken then). */
  take(bytes: number, options: { signal?: AbortSignal } = {}): Promise<void> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.tryTake(bytes)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        bytes,
        resolve,
        reject,
        signal,
        onAbort: () => {
          const index = this.#waiters.indexOf(waiter);
          if (index >= 0) this.#waiters.splice(index, 1);
          reject(signal?.reason);
          // The one behind may be able to go sooner than the timer set for this one.
          this.#rearm();
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#waiters.push(waiter);
      if (this.#waiters.length === 1) this.#rearm();
    });
  }

  #refill(): void {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.burstBytes, this.#tokens + ((now - this.#refilledAt) * this.bytesPerSecond) / 1000);
    this.#refilledAt = now;
  }

  #rearm(): void {
    if (this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#serve();
  }

  #serve(): void {
    this.#refill();
    while (this.#waiters.length > 0) {
      const head = this.#waiters[0]!;
      const need = Math.min(head.bytes, this.burstBytes);
      if (this.#tokens < need) {
        const wait = Math.max(1, Math.ceil(((need - this.#tokens) * 1000) / this.bytesPerSecond));
        this.#timer = this.#clock.setTimeout(() => {
          this.#timer = undefined;
          this.#serve();
        }, wait);
        return;
      }
      this.#tokens -= head.bytes;
      this.#waiters.shift();
      head.signal?.removeEventListener('abort', head.onAbort);
      head.resolve();
    }
  }
}
