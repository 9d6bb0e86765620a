import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../src/rate-limiter.js';
import { StreamQuota } from '../src/stream-quota.js';
import { ManualClock } from '@p2pstream/units';
import { addressLimitPolicy, MemoryAddressLimits } from '../src/address-limits.js';
import { describeAddressLimitsContract } from './address-limits-conformance.js';

/** A wall-clock time to start the manual clock at, as registry expiry times are. */
const WALL_CLOCK_START = 1_700_000_000_000;

describe('RateLimiter', () => {
  it('allows a burst, then the average rate, per key', () => {
    const clock = new ManualClock(WALL_CLOCK_START);
    const limiter = new RateLimiter({ ratePerSecond: 2, burst: 3, clock });
    expect([1, 2, 3, 4].map(() => limiter.take('a'))).toEqual([true, true, true, false]);
    expect(limiter.take('b')).toBe(true);
    clock.advance(499);
    expect(limiter.take('a')).toBe(false);
    clock.advance(1);
    expect(limiter.take('a')).toBe(true);
  });

  it('forgets keys whose buckets have refilled, so memory follows active addresses only', () => {
    const clock = new ManualClock(WALL_CLOCK_START);
    const limiter = new RateLimiter({ ratePerSecond: 1, burst: 2, clock });
    for (let i = 0; i < 1_000; i++) limiter.take(`10.0.${i >> 8}.${i & 255}`);
    limiter.take('busy');
    limiter.take('busy');
    clock.advance(1_000);
    limiter.prune();
    expect(limiter.size).toBe(1);
  });

  it('refuses a rate of zero', () => {
    expect(() => new RateLimiter({ ratePerSecond: 0, burst: 1, clock: new ManualClock(WALL_CLOCK_START) })).toThrow(RangeError);
  });
});

describe('StreamQuota', () => {
  it('admits up to the maximum of distinct streams per key and any stream already counted', () => {
    const quota = new StreamQuota({ maxStreams: 2, windowMs: 1_000, clock: new ManualClock(WALL_CLOCK_START) });
    expect(quota.admit('ip', 's1')).toBe(true);
    expect(quota.admit('ip', 's2')).toBe(true);
    expect(quota.admit('ip', 's3')).toBe(false);
    expect(quota.admit('ip', 's1')).toBe(true);
    expect(quota.admit('other', 's3')).toBe(true);
  });

  it('stays bounded under 100,000 distinct names from one key', () => {
    const quota = new StreamQuota({ maxStreams: 100, windowMs: 60_000, clock: new ManualClock(WALL_CLOCK_START) });
    let admitted = 0;
    for (let i = 0; i < 100_000; i++) if (quota.admit('ip', `name-${i}`)) admitted += 1;
    expect(admitted).toBe(100);
  });

  it('frees a stream once the key has not touched it for the window', () => {
    const clock = new ManualClock(WALL_CLOCK_START);
    const quota = new StreamQuota({ maxStreams: 1, windowMs: 1_000, clock });
    quota.admit('ip', 's1');
    clock.advance(999);
    expect(quota.admit('ip', 's2')).toBe(false);
    clock.advance(1);
    expect(quota.admit('ip', 's2')).toBe(true);
  });
});

describeAddressLimitsContract('memory', async (policy, clock) => ({ limits: new MemoryAddressLimits(policy, clock), close: async () => {} }));

describe('addressLimitPolicy', () => {
  it('refuses limits that cannot work, saying which', () => {
    const fine = { ratePerSecond: 1, burst: 1, maxStreams: 1, streamWindow: 1 };
    expect(addressLimitPolicy(fine)).toEqual(fine);
    expect(() => addressLimitPolicy({ ...fine, ratePerSecond: 0 })).toThrow(/rate above 0/);
    expect(() => addressLimitPolicy({ ...fine, maxStreams: 1.5 })).toThrow(/streams-per-IP/);
    expect(() => addressLimitPolicy({ ...fine, streamWindow: 0 })).toThrow(/window/);
  });
});
