import { InvalidOptionError } from './errors.js';

export interface UploadQueueOptions {
  /** A request is answered BUSY when the bytes already waiting to go out would hold its answer back longer than this. */
  maxQueueMs: number;
  /**
   * Busy time over which the drain rate is averaged: long enough that the kernel taking a
   * burst into its send buffers does not pass for a fast uplink.
   * @default 2_000
   */
  windowMs?: number;
  /**
   * A busy stretch older than this no longer counts: one measured in a moment the
   * process was starved of CPU, or held back whole chunks at an upload limit, must
   * not decide for the rest of the run. With none left, the rate is unknown again.
   * @default 10_000
   */
  maxAgeMs?: number;
  /** The upload limit, when there is one: the rate never counts as faster, and it is the rate before any is measured. */
  ceilingBytesPerSecond?: number;
}

/** One stretch between two samples with answers waiting throughout: how long, and how much left meanwhile. */
interface BusyStretch {
  /** When it ended. */
  readonly at: number;
  readonly ms: number;
  readonly bytes: number;
}

interface Sample {
  readonly at: number;
  readonly flushedBytes: number;
  readonly backlogBytes: number;
}

/** Busy stretches kept at most, whatever their lengths (samples come every 100 ms: 2 s is 20). */
const MAX_STRETCHES = 256;
/**
 * The share of `windowMs` that must have been measured before the rate counts: a
 * stretch or two (a tenth of a second each) in which little left says nothing
 * about the uplink, and a rate far too slow refuses every request BUSY.
 */
const MIN_MEASURED_SHARE = 0.25;

/**
 * How long an answer admitted now would wait behind what this server already has
 * waiting to go out, from how fast its answers have actually been leaving — not
 * from what the uplink is assumed to carry. A peer does not know its uplink; a
 * home line's is often less than the stream's rate, and answers queued beyond it
 * wait for seconds in socket buffers and the router, past the asker's timeout.
 *
 * The owner samples it (every 100 ms or so): the bytes that have left the process
 * so far and the bytes waiting now. Only a stretch with bytes waiting at both ends
 * measures the uplink; an idle one says nothing about how fast it could go. Time
 * is passed in, so it is tested on a manual clock.
 */
export class UploadQueue {
  readonly maxQueueMs: number;
  readonly #windowMs: number;
  readonly #maxAgeMs: number;
  readonly #ceiling: number | undefined;
  readonly #stretches: BusyStretch[] = [];
  #busyMs = 0;
  #busyBytes = 0;
  #last: Sample | undefined;
  /** Bytes admitted since the last sample: a decision between samples counts them as waiting. */
  #admittedSinceSample = 0;

  constructor(options: UploadQueueOptions) {
    this.maxQueueMs = options.maxQueueMs;
    this.#windowMs = options.windowMs ?? 2_000;
    this.#maxAgeMs = options.maxAgeMs ?? 10_000;
    this.#ceiling = options.ceilingBytesPerSecond;
    if (!(this.maxQueueMs > 0)) throw new InvalidOptionError(`maxQueueDelayMs must be positive, not ${this.maxQueueMs}`);
    if (!(this.#windowMs > 0)) throw new InvalidOptionError(`the drain window must be positive, not ${this.#windowMs}`);
    if (!(this.#maxAgeMs >= this.#windowMs)) throw new InvalidOptionError(`the drain measurement's maximum age must be at least its window (${this.#windowMs} ms), not ${this.#maxAgeMs}`);
  }

  /**
   * Records where things stand at `now`: `flushedBytes` that have left for the network
   * since the start (it only grows), `backlogBytes` waiting to go out.
   */
  sample(now: number, flushedBytes: number, backlogBytes: number): void {
    const last = this.#last;
    this.#last = { at: now, flushedBytes, backlogBytes };
    this.#admittedSinceSample = 0;
    while (this.#stretches.length > 0 && this.#stretches[0]!.at < now - this.#maxAgeMs) this.#dropOldest();
    if (!last) return;
    const ms = now - last.at;
    const bytes = flushedBytes - last.flushedBytes;
    // A stretch that started or ended idle drained all it had in an unknown part of it.
    if (ms <= 0 || bytes <= 0 || last.backlogBytes === 0 || backlogBytes === 0) return;
    this.#stretches.push({ at: now, ms, bytes });
    this.#busyMs += ms;
    this.#busyBytes += bytes;
    while (this.#stretches.length > MAX_STRETCHES || (this.#stretches.length > 1 && this.#busyMs - this.#stretches[0]!.ms >= this.#windowMs)) this.#dropOldest();
  }

  #dropOldest(): void {
    const oldest = this.#stretches.shift()!;
    this.#busyMs -= oldest.ms;
    this.#busyBytes -= oldest.bytes;
  }

  /** An answer of `bytes` was admitted: it waits to go out from now on. */
  admitted(bytes: number): void {
    this.#admittedSinceSample += bytes;
  }

  /**
   * How fast answers leave while some wait (bytes per second), over the last `windowMs` of
   * such stretches within `maxAgeMs`; without enough of them, the upload limit, or undefined.
   */
  get drainBytesPerSecond(): number | undefined {
    const measured = this.#busyMs >= this.#windowMs * MIN_MEASURED_SHARE ? (this.#busyBytes * 1000) / this.#busyMs : undefined;
    if (measured === undefined) return this.#ceiling;
    return this.#ceiling === undefined ? measured : Math.min(measured, this.#ceiling);
  }

  /** Bytes waiting at `now`: the last sample's, less what has drained since at the measured rate, plus what was admitted since. */
  backlogBytes(now: number): number {
    const last = this.#last;
    if (!last) return this.#admittedSinceSample;
    const rate = this.drainBytesPerSecond ?? 0;
    return Math.max(0, last.backlogBytes - (rate * Math.max(0, now - last.at)) / 1000) + this.#admittedSinceSample;
  }

  /** How long an answer admitted at `now` would wait for those ahead of it; 0 while no rate is known (nothing says it is slow). */
  waitMs(now: number): number {
    const rate = this.drainBytesPerSecond;
    if (rate === undefined) return 0;
    return (this.backlogBytes(now) * 1000) / rate;
  }

  /** Whether a request at `now` is answered at all, rather than refused BUSY for the queue ahead of it; `limitMs` for a request of lower priority. */
  admits(now: number, limitMs = this.maxQueueMs): boolean {
    return this.waitMs(now) <= limitMs;
  }
}
