import type { Clock } from '@p2pstream/units';

export interface RateLimiterOptions {
  /** Tokens added per second to each key's bucket. */
  ratePerSecond: number;
  /** Tokens a bucket holds at most: how many may be taken at once after a quiet spell. */
  burst: number;
  clock: Clock;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** A token bucket per key (central keys them by IP address). */
export class RateLimiter {
  readonly #rate: number;
  readonly #burst: number;
  readonly #clock: Clock;
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: RateLimiterOptions) {
    if (!(options.ratePerSecond > 0) || !(options.burst >= 1)) {
      throw new RangeError(`a rate limit needs a rate above 0 and a burst of at least 1, not ${options.ratePerSecond}/${options.burst}`);
    }
    this.#rate = options.ratePerSecond;
    this.#burst = options.burst;
    this.#clock = options.clock;
  }

  /** Takes one token from `key`'s bucket; false when it is empty. */
  take(key: string): boolean {
    const now = this.#clock.now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.#burst, updatedAt: now };
    bucket.tokens = Math.min(this.#burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.#rate);
    bucket.updatedAt = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Forgets buckets that have refilled: they behave exactly like new ones, so memory tracks only active keys. */
  prune(): void {
    const now = this.#clock.now();
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.#rate >= this.#burst) this.#buckets.delete(key);
    }
  }

  /** Keys with a bucket (for tests and stats). */
  get size(): number {
    return this.#buckets.size;
  }
}
