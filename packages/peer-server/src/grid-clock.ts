import { performance } from 'node:perf_hooks';
import type { Clock } from '@p2pstream/units';

/** Timers of the grid clock fire this much after their grid line, so one that fires a little early still sees the new cell. */
const TIMER_MARGIN_MS = 2;

/**
 * A clock that only moves in steps of `stepMs`, on a fixed grid from when it
 * was made: `now()` is the start of the current step, in wall-clock ms.
 *
 * Given to the Chunker of a live stream, it makes every time cut fall on a
 * grid line: a chunk starts at the step its first byte arrived in and is cut
 * at the next line. So chunks come
 * exactly every `stepMs` for as long as bytes keep coming, with no drift from
 * the gap between a cut and the next byte — and viewers, whose play-out clock
 * advances one chunk every `chunkMs`, stay the same distance behind the source
 * however long it runs.
 */
export class GridClock implements Clock {
  readonly stepMs: number;
  readonly #wallOrigin: number;
  readonly #origin: number;

  constructor(stepMs: number, wallNow: () => number = Date.now) {
    this.stepMs = stepMs;
    this.#wallOrigin = wallNow();
    this.#origin = performance.now();
  }

  now(): number {
    const elapsed = performance.now() - this.#origin;
    return this.#wallOrigin + Math.floor(elapsed / this.stepMs) * this.stepMs;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const due = this.now() - this.#wallOrigin + Math.max(0, ms);
    const wait = due - (performance.now() - this.#origin);
    return setTimeout(callback, Math.max(0, wait) + TIMER_MARGIN_MS);
  }

  clearTimeout(handle: unknown): void {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  }
}
