import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../src/errors.js';
import { Scheduler } from '../src/index.js';
import { answersAfter, range, Swarm } from './sim.js';

const noFetch = () => Promise.resolve();

describe('target latency (live)', () => {
  it('plays each chunk the target after it was first heard of, not the offset behind the edge plus the start-up delay', async () => {
    const swarm = new Swarm({ live: true, targetLatencyMs: 2_000, startupLeadMs: 500 });
    swarm.scheduler.start();
    await swarm.run(10_000);
    // Chunks 0–20 exist; 20 is heard of at 10 000, so chunk s appears at 10 000 + (s − 20) × 500.
    swarm.addPeer('a', range(0, 20), answersAfter(50));
    // The oldest chunk due at least 500 ms from now: chunk 17 (appeared at 8 500, due at 10 500).
    expect(swarm.scheduler.playhead).toBe(17);
    expect(swarm.scheduler.deadline(17)).toBe(10_500);
    expect(swarm.scheduler.deadline(22)).toBe(13_000);
    for (let seq = 21; seq <= 26; seq++) {
      await swarm.run(500);
      swarm.announce('a', seq);
    }
    await swarm.run(1_000);
    const played = swarm.events('played');
    expect(played.map((event) => event.seq)).toEqual(range(17, 24));
    // Chunk 24, heard of at 12 000, played at 14 000: the target behind.
    expect(played.find((event) => event.seq === 24)!.at).toBe(14_000);
    expect(swarm.events('missed')).toEqual([]);
  });

  it('moves play-out earlier when a faster peer announces chunks sooner than the first one did', async () => {
    const swarm = new Swarm({ live: true, targetLatencyMs: 2_000, startupLeadMs: 500 });
    swarm.scheduler.start();
    // A relay's map, its newest chunk (10) 1 s old already: chunk 10 is thought to appear at 0.
    swarm.addPeer('relay', range(0, 10), answersAfter(50));
    expect(swarm.scheduler.deadline(12)).toBe(3_000);
    await swarm.run(100);
    // The publisher announces chunk 11 at 100: chunks appear 400 ms earlier than thought.
    swarm.addPeer('publisher', [], answersAfter(50));
    swarm.announce('publisher', 11);
    expect(swarm.scheduler.deadline(12)).toBe(2_600);
  });

  it('keeps a young stream at the target: chunk 0 plays the target after it appeared', () => {
    const swarm = new Swarm({ live: true, targetLatencyMs: 3_000, startupLeadMs: 500 });
    swarm.scheduler.start();
    swarm.addPeer('a', [0, 1], answersAfter(50));
    expect(swarm.scheduler.playhead).toBe(0);
    // Chunk 1 heard of at 0: chunk 0 appeared at −500, due at 2 500.
    expect(swarm.scheduler.deadline(0)).toBe(2_500);
  });

  it('when nobody has announced the chunk due, starts again the target after now rather than skipping on', async () => {
    const swarm = new Swarm({ live: true, targetLatencyMs: 1_000, startupLeadMs: 500 });
    swarm.scheduler.start();
    swarm.addPeer('a', range(0, 4), answersAfter(50));
    // The source stalls: chunk 5 never comes while play reaches it (chunk 3 is due at 500, 5 at 1 500).
    expect(swarm.scheduler.deadline(5)).toBe(1_500);
    await swarm.run(2_000);
    const [rebuffered] = swarm.events('rebuffered');
    expect(rebuffered).toMatchObject({ seq: 5, resume: 5 });
    expect(swarm.scheduler.deadline(5)).toBe(rebuffered!.at + 1_000);
    expect(swarm.events('missed')).toEqual([]);
  });

  it('leaves the offset and the start-up delay as they were when no target is set', () => {
    const swarm = new Swarm({ live: true, liveOffsetMs: 4_000, startupDelayMs: 2_000 });
    swarm.scheduler.start();
    swarm.addPeer('a', range(0, 20), answersAfter(50));
    expect(swarm.scheduler.playhead).toBe(12);
    expect(swarm.scheduler.deadline(12)).toBe(2_000);
  });

  it('refuses a negative target', () => {
    expect(() => new Scheduler({ fetch: noFetch, targetLatencyMs: -1 })).toThrow(InvalidArgumentError);
  });
});
