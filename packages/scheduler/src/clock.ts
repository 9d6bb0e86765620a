/** An opaque handle returned by `Clock.setTimeout`. */
export type TimerHandle = unknown;

/**
 * Where the scheduler gets time from. Injected so that tests and simulations run on a
 * fake clock; every deadline and timer of the scheduler goes through it.
 */
export interface Clock {
  /** Milliseconds on a monotonic scale; only differences matter. */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Real time: `performance.now()` and the global timers. */
export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, Math.max(0, ms)),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
