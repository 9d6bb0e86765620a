import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/index.js';

describe('ManualClock', () => {
  it('fires timers in time order, ties in the order they were set, each at its due time', () => {
    const clock = new ManualClock(100);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 20);
    const cleared = clock.setTimeout(() => fired.push('never'), 5);
    clock.clearTimeout(cleared);
    expect(clock.pendingTimers).toBe(3);
    expect(clock.nextAt()).toBe(110);
    expect(clock.fireUntil(150)).toBe(3);
    expect(fired).toEqual(['a@110', 'b@120', 'c@120']);
    expect(clock.now()).toBe(150);
    expect(clock.pendingTimers).toBe(0);
  });

  it('fires timers set while firing, when they fall due within the same call', () => {
    const clock = new ManualClock();
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 5);
    }, 5);
    clock.fireUntil(10);
    expect(fired).toEqual([5, 10]);
  });

  it('lets promise continuations run at each instant before the next timer (run)', async () => {
    const clock = new ManualClock();
    const seen: string[] = [];
    clock.setTimeout(() => {
      void Promise.resolve().then(() => seen.push(`continuation@${clock.now()}`));
    }, 10);
    clock.setTimeout(() => seen.push(`timer@${clock.now()}`), 20);
    expect(await clock.run(30)).toBe(2);
    expect(seen).toEqual(['continuation@10', 'timer@20']);
    expect(clock.now()).toBe(30);
  });

  it('moves time synchronously with advance: due timers fire, continuations wait for the caller', async () => {
    const clock = new ManualClock();
    const seen: string[] = [];
    clock.setTimeout(() => {
      void Promise.resolve().then(() => seen.push('continuation'));
      seen.push('timer');
    }, 40);
    expect(clock.advance(39)).toBe(0);
    expect(clock.advance(1)).toBe(1);
    expect(seen).toEqual(['timer']);
    await Promise.resolve();
    expect(seen).toEqual(['timer', 'continuation']);
    expect(clock.now()).toBe(40);
  });
});
