import { describe, expect, it } from 'vitest';
import { ManualClock } from '@p2pstream/units';
import { UploadQueue } from '../src/upload-queue.js';

/**
 * An uplink that carries `bytesPerSecond` from whatever waits, sampled every
 * `stepMs` as the server samples its connections: `offer` puts bytes in the queue
 * (admitted answers), `run` lets time pass.
 */
class SimulatedUplink {
  flushed = 0;
  waiting = 0;
  constructor(
    readonly clock: ManualClock,
    readonly queue: UploadQueue,
    public bytesPerSecond: number,
    readonly stepMs = 100,
  ) {
    queue.sample(clock.now(), 0, 0);
  }

  offer(bytes: number): void {
    this.waiting += bytes;
    this.queue.admitted(bytes);
  }

  run(ms: number): void {
    for (let t = 0; t < ms; t += this.stepMs) {
      this.clock.advance(this.stepMs);
      const sent = Math.min(this.waiting, (this.bytesPerSecond * this.stepMs) / 1000);
      this.waiting -= sent;
      this.flushed += sent;
      this.queue.sample(this.clock.now(), this.flushed, this.waiting);
    }
  }
}

const CHUNK = 125_000; // half a second of a 2 Mbit/s stream

describe('UploadQueue', () => {
  it('measures how fast a full uplink drains and how long the bytes waiting on it take', () => {
    const clock = new ManualClock();
    const uplink = new SimulatedUplink(clock, new UploadQueue({ maxQueueMs: 500 }), 125_000);
    for (let i = 0; i < 8; i++) uplink.offer(CHUNK);
    uplink.run(3_000);
    // 1 MB offered, 375 KB carried in 3 s: 625 KB still wait, five seconds of this uplink.
    expect(uplink.queue.drainBytesPerSecond).toBeCloseTo(125_000, -2);
    expect(uplink.queue.waitMs(clock.now())).toBeCloseTo(5_000, -2);
    expect(uplink.queue.admits(clock.now())).toBe(false);
  });

  it('admits again once what waits would leave within maxQueueMs', () => {
    const clock = new ManualClock();
    const uplink = new SimulatedUplink(clock, new UploadQueue({ maxQueueMs: 500 }), 125_000);
    for (let i = 0; i < 4; i++) uplink.offer(CHUNK);
    uplink.run(3_000);
    expect(uplink.queue.admits(clock.now())).toBe(false);
    // 500 KB at 125 KB/s: 4 s in all. With 62.5 KB or less left, a new answer waits at most half a second.
    uplink.run(600);
    expect(uplink.waiting).toBeCloseTo(50_000, -3);
    expect(uplink.queue.admits(clock.now())).toBe(true);
  });

  it('counts an answer admitted since the last sample as waiting, so a burst of requests is not all admitted', () => {
    const clock = new ManualClock();
    const uplink = new SimulatedUplink(clock, new UploadQueue({ maxQueueMs: 500 }), 125_000);
    uplink.offer(CHUNK);
    uplink.run(700); // the rate is measured over 600 ms; 37.5 KB are still on their way
    expect(uplink.queue.admits(clock.now())).toBe(true);
    uplink.offer(CHUNK);
    // No sample between the two: the one just admitted is counted at once.
    expect(uplink.queue.admits(clock.now())).toBe(false);
  });

  it('counts what drains between samples at the measured rate', () => {
    const clock = new ManualClock();
    const queue = new UploadQueue({ maxQueueMs: 500 });
    const uplink = new SimulatedUplink(clock, queue, 100_000, 1_000);
    uplink.offer(300_000);
    uplink.run(2_000); // 100 KB/s measured; 100 KB wait at the last sample
    expect(queue.waitMs(clock.now())).toBeCloseTo(1_000);
    clock.advance(600);
    expect(queue.backlogBytes(clock.now())).toBeCloseTo(40_000);
    expect(queue.admits(clock.now())).toBe(true);
  });

  it('does not call an uplink slow for what it had nothing to send: idle stretches are not measured', () => {
    const clock = new ManualClock();
    const queue = new UploadQueue({ maxQueueMs: 500 });
    const uplink = new SimulatedUplink(clock, queue, 1_000_000);
    // A fast uplink sending a trickle: every offer leaves within one sample, so nothing ever waited at a sample.
    for (let i = 0; i < 20; i++) {
      uplink.offer(10_000);
      uplink.run(100);
    }
    expect(queue.drainBytesPerSecond).toBeUndefined();
    uplink.offer(CHUNK);
    expect(queue.admits(clock.now())).toBe(true);
  });

  it('follows an uplink that gets slower within the window', () => {
    const clock = new ManualClock();
    const uplink = new SimulatedUplink(clock, new UploadQueue({ maxQueueMs: 500, windowMs: 2_000 }), 500_000);
    uplink.offer(10 * CHUNK);
    uplink.run(2_000);
    expect(uplink.queue.drainBytesPerSecond).toBeCloseTo(500_000, -3);
    // Another program takes most of the line: a tenth as fast from now on.
    uplink.bytesPerSecond = 50_000;
    uplink.offer(5 * CHUNK);
    uplink.run(3_000);
    expect(uplink.queue.drainBytesPerSecond).toBeCloseTo(50_000, -3);
  });

  it('does not take a tenth of a second in which little left for the uplink: too short a measurement leaves the upload limit in force', () => {
    const clock = new ManualClock();
    const queue = new UploadQueue({ maxQueueMs: 500, ceilingBytesPerSecond: 150_000 });
    // The process was starved, or the limit held a whole chunk back: 400 B left in 100 ms while 30 KB waited.
    queue.sample(clock.now(), 0, 30_000);
    clock.advance(100);
    queue.sample(clock.now(), 400, 30_000);
    expect(queue.drainBytesPerSecond).toBe(150_000);
    expect(queue.waitMs(clock.now())).toBeCloseTo(200); // not 75 s at 4 KB/s
    expect(queue.admits(clock.now())).toBe(true);
  });

  it('forgets a rate measured longer ago than maxAgeMs: an uplink that was slow once is not refused for the rest of the run', () => {
    const clock = new ManualClock();
    const queue = new UploadQueue({ maxQueueMs: 500, maxAgeMs: 10_000 });
    const uplink = new SimulatedUplink(clock, queue, 50_000);
    uplink.offer(2 * CHUNK);
    uplink.run(3_000);
    expect(queue.drainBytesPerSecond).toBeCloseTo(50_000, -3);
    // The line is free again; what is offered leaves within a sample, so nothing new is measured.
    uplink.bytesPerSecond = 1_000_000;
    uplink.run(1_000);
    for (let i = 0; i < 90; i++) {
      uplink.offer(10_000);
      uplink.run(100);
    }
    expect(queue.drainBytesPerSecond).toBeUndefined();
    uplink.offer(CHUNK);
    expect(queue.admits(clock.now())).toBe(true);
  });

  it('refuses a maximum age shorter than the window', () => {
    expect(() => new UploadQueue({ maxQueueMs: 500, windowMs: 2_000, maxAgeMs: 1_000 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });

  it('never counts the uplink faster than the upload limit, and uses the limit before anything is measured', () => {
    const clock = new ManualClock();
    const queue = new UploadQueue({ maxQueueMs: 500, ceilingBytesPerSecond: 100_000 });
    expect(queue.drainBytesPerSecond).toBe(100_000);
    queue.sample(clock.now(), 0, 0);
    queue.admitted(60_000);
    expect(queue.waitMs(clock.now())).toBeCloseTo(600);
    expect(queue.admits(clock.now())).toBe(false);
    const uplink = new SimulatedUplink(clock, queue, 1_000_000);
    uplink.offer(5 * CHUNK);
    uplink.run(300);
    expect(queue.drainBytesPerSecond).toBe(100_000);
  });

  it('refuses a maxQueueMs that is not positive', () => {
    expect(() => new UploadQueue({ maxQueueMs: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });
});
