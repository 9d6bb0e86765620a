import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '@p2pstream/units';
import type { AddressLimitPolicy, AddressLimitStore } from '../src/address-limits.js';

/** A wall-clock time to start the manual clock at, as the tracker's clock reads. */
const T = 1_700_000_000_000;

/** A store of limits and how to let it go; `create` is called once per test. */
export interface LimitsUnderTest {
  readonly limits: AddressLimitStore;
  close(): Promise<void>;
}

/**
 * What every store of per-IP limits does with the same policy: the memory one
 * and the Redis one (single and cluster) run this one suite, so the policy
 * means the same whichever registry central uses.
 */
export function describeAddressLimitsContract(label: string, create: (policy: AddressLimitPolicy, clock: ManualClock) => Promise<LimitsUnderTest>): void {
  describe(`${label} per-IP limits`, () => {
    let open: LimitsUnderTest | undefined;
    const start = async (policy: Partial<AddressLimitPolicy> = {}) => {
      const clock = new ManualClock(T);
      open = await create({ ratePerSecond: 2, burst: 3, maxStreams: 2, streamWindow: 1_000, ...policy }, clock);
      // Distinct addresses per test: a shared Redis keeps its buckets until they refill.
      const tag = Math.random().toString(36).slice(2);
      const take = (host: string, stream?: string) => open!.limits.check(`${host}-${tag}`, clock.now(), { token: true, ...(stream ? { stream } : {}) });
      const count = (host: string, stream: string) => open!.limits.check(`${host}-${tag}`, clock.now(), { token: false, stream });
      return { clock, take, count };
    };
    afterEach(async () => {
      await open?.close();
      open = undefined;
    });

    it('allows a burst, then the average rate, per address', async () => {
      const { clock, take } = await start();
      const first = [];
      for (let i = 0; i < 4; i++) first.push(await take('10.0.0.1'));
      expect(first).toEqual(['ok', 'ok', 'ok', 'rate-limited']);
      expect(await take('10.0.0.2')).toBe('ok');
      clock.advance(499);
      expect(await take('10.0.0.1')).toBe('rate-limited');
      clock.advance(1);
      expect(await take('10.0.0.1')).toBe('ok');
    });

    it('refills no further than the burst after a quiet spell', async () => {
      const { clock, take } = await start();
      await take('10.0.0.1');
      clock.advance(60_000);
      const verdicts = [];
      for (let i = 0; i < 4; i++) verdicts.push(await take('10.0.0.1'));
      expect(verdicts).toEqual(['ok', 'ok', 'ok', 'rate-limited']);
    });

    it('counts distinct streams per address, admits one already counted, and frees one after the window', async () => {
      const { clock, take, count } = await start({ ratePerSecond: 1000, burst: 1000 });
      expect(await take('10.0.0.1', 's1')).toBe('ok');
      expect(await count('10.0.0.1', 's2')).toBe('ok');
      expect(await take('10.0.0.1', 's3')).toBe('too-many-streams');
      expect(await take('10.0.0.2', 's3')).toBe('ok');
      clock.advance(500);
      expect(await take('10.0.0.1', 's1')).toBe('ok');
      clock.advance(499);
      expect(await take('10.0.0.1', 's3')).toBe('too-many-streams');
      // s2's window has ended; s1, touched again 500 ms later, still counts.
      clock.advance(1);
      expect(await take('10.0.0.1', 's3')).toBe('ok');
      expect(await take('10.0.0.1', 's4')).toBe('too-many-streams');
    });

    it('records no stream for a request refused by the rate', async () => {
      const { take, count } = await start({ ratePerSecond: 1, burst: 1, maxStreams: 1 });
      expect(await take('10.0.0.1', 's1')).toBe('ok');
      expect(await take('10.0.0.1', 's2')).toBe('rate-limited');
      expect(await count('10.0.0.1', 's1')).toBe('ok');
    });

    it('counts a stream without taking a token when asked to', async () => {
      const { take, count } = await start({ ratePerSecond: 1, burst: 1 });
      expect(await count('10.0.0.1', 's1')).toBe('ok');
      expect(await take('10.0.0.1')).toBe('ok');
      expect(await take('10.0.0.1')).toBe('rate-limited');
    });
  });
}
