import type { Clock } from '@p2pstream/units';

export interface StreamQuotaOptions {
  /** Distinct streams one key may touch within the window. */
  maxStreams: number;
  /** How long a stream counts against a key after the key last touched it. */
  windowMs: number;
  clock: Clock;
}

/**
 * Bounds the distinct streams one IP address publishes or announces, so a
 * single host cannot fill the registry with names. Memory is bounded by
 * `maxStreams` per key, and keys quiet for the window are dropped by `prune`.
 */
export class StreamQuota {
  readonly #max: number;
  readonly #window: number;
  readonly #clock: Clock;
  readonly #seen = new Map<string, Map<string, number>>();

  constructor(options: StreamQuotaOptions) {
    if (!Number.isSafeInteger(options.maxStreams) || options.maxStreams < 1) {
      throw new RangeError(`the streams-per-IP limit must be a positive integer, not ${options.maxStreams}`);
    }
    this.#max = options.maxStreams;
    this.#window = options.windowMs;
    this.#clock = options.clock;
  }

  /** Records that `key` touched `stream`; false (and nothing recorded) when that would exceed the quota. */
  admit(key: string, stream: string): boolean {
    const now = this.#clock.now();
    let streams = this.#seen.get(key);
    if (!streams) this.#seen.set(key, (streams = new Map()));
    if (!streams.has(stream) && streams.size >= this.#max) {
      this.#forgetOld(streams, now);
      if (streams.size >= this.#max) return false;
    }
    // Re-inserting keeps the map in least-recently-touched order.
    streams.delete(stream);
    streams.set(stream, now);
    return true;
  }

  prune(): void {
    const now = this.#clock.now();
    for (const [key, streams] of this.#seen) {
      this.#forgetOld(streams, now);
      if (streams.size === 0) this.#seen.delete(key);
    }
  }

  #forgetOld(streams: Map<string, number>, now: number): void {
    for (const [stream, touchedAt] of streams) {
      if (now - touchedAt < this.#window) break;
      streams.delete(stream);
    }
  }
}
