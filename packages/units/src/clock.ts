/** An opaque handle returned by `Clock.setTimeout`, only ever handed back to the same clock's `clearTimeout`. */
export type TimerHandle = unknown;

/**
 * Where time comes from. Every package takes one as an option so that a test
 * can hand in a `ManualClock` and run deadlines, pacing and expiry without
 * real time.
 *
 * Two real clocks implement it, on different time bases, and the names say
 * which: `monotonicClock` for deadlines, timeouts and rates (only differences
 * of `now()` mean anything), `wallClock` for times that leave the process or
 * are compared across processes (a chunk's `ts`, a registry entry's expiry).
 */
export interface Clock {
  /** Milliseconds: on a monotonic scale for `monotonicClock`, since the epoch for `wallClock`. */
  now(): number;
  /** Calls `callback` after `ms` (negative counts as 0). */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

const timers: Pick<Clock, 'setTimeout' | 'clearTimeout'> = {
  setTimeout: (callback, ms) => setTimeout(callback, Math.max(0, ms)),
  // The handle is always one these timers' setTimeout returned.
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * The process's monotonic clock (`performance.now()`) and the global timers.
 * A step of the system clock cannot fire or stretch a deadline measured on it.
 */
export const monotonicClock: Clock = { now: () => performance.now(), ...timers };

/**
 * Wall-clock milliseconds since the epoch (`Date.now()`) and the global timers,
 * for timestamps that other processes read. It can jump when the system clock
 * is set: never measure a timeout with it.
 */
export const wallClock: Clock = { now: () => Date.now(), ...timers };

/** Resolves after `ms` on `clock`; rejects with the signal's reason when it aborts first. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const onAbort = (): void => {
      clock.clearTimeout(handle);
      reject(signal?.reason);
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
