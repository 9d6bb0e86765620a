import { performance } from 'node:perf_hooks';

/**
 * Where time comes from. Passed in so tests can drive deadlines and the upload
 * limiter with a fake clock. Only differences of `now()` are used, so it may
 * start anywhere; it must not go backwards.
 */
export interface Clock {
  /** Milliseconds on a monotonic scale. */
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The process's own monotonic clock and the global timers. */
export const systemClock: Clock = {
  // Monotonic, so a wall-clock step cannot fire or stretch a deadline.
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  // The handle is always one this clock's setTimeout returned.
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
