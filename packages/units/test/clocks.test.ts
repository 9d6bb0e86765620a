import { describe, expect, it } from 'vitest';
import { ManualClock, monotonicClock, sleep, wallClock } from '../src/index.js';

describe('the real clocks', () => {
  it('tell wall-clock time since the epoch and monotonic time apart', () => {
    const before = Date.now();
    const wall = wallClock.now();
    expect(wall).toBeGreaterThanOrEqual(before);
    expect(wall).toBeLessThanOrEqual(Date.now());
    // performance.now() counts from the process's start, far from the epoch.
    expect(monotonicClock.now()).toBeLessThan(before / 2);
  });

  it('never let the monotonic clock go backwards', () => {
    let last = monotonicClock.now();
    for (let i = 0; i < 1000; i++) {
      const now = monotonicClock.now();
      expect(now).toBeGreaterThanOrEqual(last);
      last = now;
    }
  });

  it('fire a timer and let it be cleared', async () => {
    const cleared = monotonicClock.setTimeout(() => expect.unreachable('a cleared timer fired'), 0);
    monotonicClock.clearTimeout(cleared);
    await new Promise<void>((resolve) => wallClock.setTimeout(resolve, 0));
  });
});

describe('sleep', () => {
  it('resolves after the time on the given clock', async () => {
    const clock = new ManualClock();
    let woke = false;
    const sleeping = sleep(clock, 500).then(() => (woke = true));
    await clock.run(499);
    expect(woke).toBe(false);
    await clock.run(1);
    await sleeping;
    expect(clock.pendingTimers).toBe(0);
  });

  it('rejects with the reason when aborted, and leaves no timer behind', async () => {
    const clock = new ManualClock();
    const abort = new AbortController();
    const sleeping = sleep(clock, 500, abort.signal);
    abort.abort(new Error('stopped'));
    await expect(sleeping).rejects.toThrow('stopped');
    expect(clock.pendingTimers).toBe(0);
  });
});
