import { describe, expect, it } from 'vitest';
import { Deadline } from '../src/deadline.js';
import { ReadBuffers } from '../src/read-buffers.js';
import { RequestTable } from '../src/request-table.js';
import { MAX_READ_BYTES, MIN_READ_BYTES } from '../src/constants.js';
import { ManualClock } from '@p2pstream/units';

describe('Deadline', () => {
  it('expires once at the last time it was moved to, with one timer however often it moves', () => {
    const clock = new ManualClock();
    let expired = 0;
    const deadline = new Deadline(clock, () => expired++);
    for (let t = 0; t < 100; t++) {
      deadline.set(clock.now() + 50);
      clock.advance(10);
    }
    // Last moved at 990 to 1040; the clock is at 1000.
    expect(clock.pendingTimers).toBe(1);
    clock.advance(39);
    expect(expired).toBe(0);
    clock.advance(1);
    expect(expired).toBe(1);
    clock.advance(1000);
    expect(expired).toBe(1);
  });

  it('does not expire after it is cleared, and leaves no timer once cancelled', () => {
    const clock = new ManualClock();
    let expired = 0;
    const deadline = new Deadline(clock, () => expired++);
    deadline.set(100);
    deadline.clear();
    clock.advance(200);
    expect(expired).toBe(0);
    deadline.set(300);
    deadline.cancel();
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('RequestTable', () => {
  it('gives rising ids, clears the timer of an answered request, and times out the rest', async () => {
    const clock = new ManualClock();
    const table = new RequestTable(clock);
    const first = table.open('list', 100, undefined);
    const second = table.open('list', 100, undefined);
    expect(second.id).toBe(first.id + 1);
    table.take(first.id)!.resolve({ t: 'ok', re: first.id });
    await expect(first.reply).resolves.toMatchObject({ re: first.id });
    expect(clock.pendingTimers).toBe(1);
    clock.advance(100);
    await expect(second.reply).rejects.toMatchObject({ code: 'REQUEST_TIMEOUT' });
    expect(table.size).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('ReadBuffers', () => {
  it('grows the read size while reads fill it and shrinks it when they come back small', () => {
    const buffers = new ReadBuffers();
    expect(buffers.next().length).toBe(MIN_READ_BYTES);
    for (let i = 0; i < 10; i++) buffers.used(buffers.next().length);
    expect(buffers.next().length).toBe(MAX_READ_BYTES);
    for (let i = 0; i < 10; i++) buffers.used(20);
    expect(buffers.next().length).toBe(MIN_READ_BYTES);
  });

  it('hands out a fresh buffer for every read unless told to reuse one', () => {
    const fresh = new ReadBuffers();
    expect(fresh.next()).not.toBe(fresh.next());
    const reused = new ReadBuffers({ reuse: true });
    const first = reused.next();
    reused.used(100);
    expect(reused.next()).toBe(first);
  });

  it('reusing, grows at once but shrinks only after 64 small reads in a row, so reads that fill it now and then keep one buffer', () => {
    const buffers = new ReadBuffers({ reuse: true });
    buffers.used(buffers.next().length);
    const grown = buffers.next();
    expect(grown.length).toBe(MIN_READ_BYTES * 2);
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 63; i++) buffers.used(20);
      buffers.used(grown.length / 2);
      expect(buffers.next()).toBe(grown);
    }
    for (let i = 0; i < 64; i++) buffers.used(20);
    expect(buffers.next().length).toBe(MIN_READ_BYTES);
  });
});
