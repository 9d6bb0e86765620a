import { describe, expect, it } from 'vitest';
import { UploadLimiter } from '../src/index.js';
import { ManualClock } from '@p2pstream/units';

/** Lets promise callbacks run after the fake clock fired timers. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('UploadLimiter', () => {
  it('lets a burst through at once, then one take per refill at the configured rate', async () => {
    const clock = new ManualClock();
    const limiter = new UploadLimiter({ bytesPerSecond: 10_000, burstBytes: 1000, clock });
    const granted: number[] = [];
    for (let i = 0; i < 5; i++) void limiter.take(1000).then(() => granted.push(clock.now()));
    await settle();
    for (let t = 0; t < 5; t++) {
      clock.advance(100);
      await settle();
    }
    expect(granted).toEqual([0, 100, 200, 300, 400]);
  });

  it('keeps to the rate within 1% over ten simulated seconds of uneven message sizes', async () => {
    const clock = new ManualClock();
    const rate = 1_000_000;
    const limiter = new UploadLimiter({ bytesPerSecond: rate, clock });
    let sent = 0;
    let stop = false;
    const sizes = [65_600, 12, 300, 65_600, 1_048_832, 40];
    const sender = (async () => {
      for (let i = 0; !stop && i < 100_000; i++) {
        const size = sizes[i % sizes.length]!;
        await limiter.take(size);
        if (!stop) sent += size;
      }
    })();
    for (let step = 0; step < 10_000; step++) {
      clock.advance(1);
      await Promise.resolve();
      await Promise.resolve();
    }
    stop = true;
    clock.advance(10_000);
    await sender;
    // A take beyond the burst is let through into debt, so at most one message more than the rate.
    expect(sent).toBeGreaterThan(rate * 10 * 0.99);
    expect(sent).toBeLessThan(rate * 10 + limiter.burstBytes + 1_048_832);
  });

  it('serves waiting callers in the order they asked, with one timer however many wait', async () => {
    const clock = new ManualClock();
    const limiter = new UploadLimiter({ bytesPerSecond: 1000, burstBytes: 100, clock });
    await limiter.take(100);
    const order: string[] = [];
    const takes = ['a', 'b', 'c'].map((name) => limiter.take(100).then(() => order.push(name)));
    expect(limiter.waiting).toBe(3);
    expect(clock.pendingTimers).toBe(1);
    // Nobody may jump the queue, even when the bucket could hold it.
    clock.advance(100);
    expect(limiter.tryTake(1)).toBe(false);
    clock.advance(200);
    await Promise.all(takes);
    expect(order).toEqual(['a', 'b', 'c']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('lets a message larger than the burst through once the bucket is full, leaving it in debt', async () => {
    const clock = new ManualClock();
    const limiter = new UploadLimiter({ bytesPerSecond: 1000, burstBytes: 100, clock });
    expect(limiter.tryTake(500)).toBe(true);
    let granted = false;
    void limiter.take(100).then(() => (granted = true));
    // 400 bytes of debt plus 100 for this take: half a second.
    clock.advance(499);
    await settle();
    expect(granted).toBe(false);
    clock.advance(1);
    await settle();
    expect(granted).toBe(true);
  });

  it('drops an aborted take without spending its bytes', async () => {
    const clock = new ManualClock();
    const limiter = new UploadLimiter({ bytesPerSecond: 1000, burstBytes: 100, clock });
    await limiter.take(100);
    const controller = new AbortController();
    const aborted = limiter.take(100, { signal: controller.signal });
    const after = limiter.take(100).then(() => clock.now());
    controller.abort(new Error('closed'));
    await expect(aborted).rejects.toThrow('closed');
    clock.advance(100);
    expect(await after).toBe(100);
    expect(limiter.waiting).toBe(0);
  });

  it('refuses a rate that is not a positive number', () => {
    expect(() => new UploadLimiter({ bytesPerSecond: 0 })).toThrow(RangeError);
    expect(() => new UploadLimiter({ bytesPerSecond: Number.NaN })).toThrow(RangeError);
  });
});
