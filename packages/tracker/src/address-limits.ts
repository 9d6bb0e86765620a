import type { Clock } from '@p2pstream/units';
import { RateLimiter } from './rate-limiter.js';
import { StreamQuota } from './stream-quota.js';

/** The per-IP policy, the same whichever store keeps the counts. Times in ms. */
export interface AddressLimitPolicy {
  /** Requests (announces and publishes) per second per address, on average. */
  readonly ratePerSecond: number;
  /** Requests one address may send at once after a quiet spell. */
  readonly burst: number;
  /** Distinct streams one address may publish or announce within `streamWindow`. */
  readonly maxStreams: number;
  /** How long a stream counts against an address after the address last touched it. */
  readonly streamWindow: number;
}

/** The policy, checked: throws RangeError for limits that cannot work. */
export function addressLimitPolicy(policy: AddressLimitPolicy): AddressLimitPolicy {
  if (!(policy.ratePerSecond > 0) || !(policy.burst >= 1)) {
    throw new RangeError(`a rate limit needs a rate above 0 and a burst of at least 1, not ${policy.ratePerSecond}/${policy.burst}`);
  }
  if (!Number.isSafeInteger(policy.maxStreams) || policy.maxStreams < 1) {
    throw new RangeError(`the streams-per-IP limit must be a positive integer, not ${policy.maxStreams}`);
  }
  if (!(policy.streamWindow > 0)) throw new RangeError(`the stream quota window must be above 0 ms, not ${policy.streamWindow}`);
  return policy;
}

/** What one check covers. */
export interface AddressCheck {
  readonly token: boolean;
  readonly stream?: string;
  /**
   * A connection renewing its own entry of `stream`, counted in the store less
   * than half a quota window ago: nothing new for other centrals to know, so a
   * store whose counts are shared takes the token from this process's bucket for
   * the address and skips the shared round trip. A client renews every interval,
   * so this is most of a central's announces.
   */
  readonly renewal?: boolean;
}

/** What a check decided: served, out of tokens, or one stream over the quota. */
export type AddressVerdict = 'ok' | 'rate-limited' | 'too-many-streams';

/**
 * Where the per-IP counts live. The memory registry's trackers each keep their
 * own (`MemoryAddressLimits`); the Redis registry's share one set through
 * Redis, so an address limited at one central is limited at every other.
 */
export interface AddressLimitStore {
  /**
   * Takes one token from `host`'s bucket (unless `token` is false) and then,
   * when `stream` is given, counts the stream against `host`'s quota (nothing
   * recorded when refused). Rejects with `REGISTRY_UNAVAILABLE` when the shared
   * store cannot be reached: the request is refused, not let through. A
   * `renewal` may be checked in this process only (see AddressCheck).
   */
  check(host: string, now: number, what: AddressCheck): Promise<AddressVerdict>;
  /** Forgets idle state (a store whose keys expire by themselves does nothing). */
  prune(now: number): void;
}

/** Per-IP limits kept in this process: a token bucket and a stream quota per address. */
export class MemoryAddressLimits implements AddressLimitStore {
  readonly #rate: RateLimiter;
  readonly #quota: StreamQuota;

  constructor(policy: AddressLimitPolicy, clock: Clock) {
    this.#rate = new RateLimiter({ ratePerSecond: policy.ratePerSecond, burst: policy.burst, clock });
    this.#quota = new StreamQuota({ maxStreams: policy.maxStreams, windowMs: policy.streamWindow, clock });
  }

  check(host: string, _now: number, { token, stream }: AddressCheck): Promise<AddressVerdict> {
    // The buckets read the tracker's clock themselves: `now` is that clock's reading.
    if (token && !this.#rate.take(host)) return Promise.resolve('rate-limited');
    if (stream !== undefined && !this.#quota.admit(host, stream)) return Promise.resolve('too-many-streams');
    return Promise.resolve('ok');
  }

  prune(): void {
    this.#rate.prune();
    this.#quota.prune();
  }
}
