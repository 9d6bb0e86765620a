import { describe, expect, it } from 'vitest';
import { answersAfter, range, Swarm } from './sim.js';

/**
 * A publisher starved of CPU cuts the media of several grid steps into one chunk, so from that
 * chunk on its chunks come later than their numbers say. Its chunks carry the time they were
 * cut (`ts`, on the publisher's own wall clock): play-out follows it instead of losing that much
 * of its margin for good.
 */
describe('play-out follows the publisher when it falls behind its chunk grid', () => {
  /** The publisher's wall clock is far from the viewer's monotonic one: only differences count. */
  const PUBLISHER_CLOCK = 1_796_000_000_000;
  const LAST = 24;
  /** When chunk `seq` is cut, on the viewer's clock: every 500 ms, 1 s late from chunk 6 on and 2 s late from chunk 14 on. */
  const cutAt = (seq: number): number => 500 * (seq + 1) + (seq >= 6 ? 1_000 : 0) + (seq >= 14 ? 1_000 : 0);

  /** A viewer seated on chunk 0, 1.5 s of margin (due 2 s after start; cut 0.5 s after start), fetching each chunk as it is cut. */
  async function watch(options: { followsCutTimes: boolean; targetLatencyMs?: number }) {
    const swarm = new Swarm({
      live: true,
      startupDelayMs: 2_000,
      ...(options.followsCutTimes ? { cutTimeOf: (seq: number) => PUBLISHER_CLOCK + cutAt(seq) } : {}),
      ...(options.targetLatencyMs === undefined ? {} : { targetLatencyMs: options.targetLatencyMs }),
    });
    swarm.addPeer('publisher', [], answersAfter(50));
    for (const seq of range(0, LAST)) swarm.clock.setTimeout(() => swarm.announce('publisher', seq), cutAt(seq));
    if (options.targetLatencyMs === undefined) swarm.scheduler.setPlayhead(0);
    swarm.scheduler.start();
    await swarm.run(cutAt(LAST) + 5_000);
    return swarm;
  }

  it('plays every chunk, each due a fixed time after the chunk before it was cut, with no skip or pause', async () => {
    const swarm = await watch({ followsCutTimes: true });
    expect(swarm.events('missed')).toEqual([]);
    // (Past the last chunk, which never comes, play-out pauses as it should.)
    expect(swarm.events('rebuffered').filter((event) => event.seq <= LAST)).toEqual([]);
    const played = swarm.events('played');
    expect(played.map((event) => event.seq)).toEqual(range(0, LAST));
    // Chunk 0 due at 2 s; each one after it 2 s after its predecessor was cut, as before the first stall.
    for (const { seq, dueAt } of played.slice(1)) expect(dueAt, `chunk ${seq}`).toBe(cutAt(seq - 1) + 2_000);
  });

  it('without the cut times, each stall takes its length from the margin, until play-out catches up with the publisher and pauses', async () => {
    const swarm = await watch({ followsCutTimes: false });
    const stalls = [...swarm.events('rebuffered'), ...swarm.events('missed')].filter((event) => event.seq <= LAST);
    expect(stalls.length).toBeGreaterThan(0);
  });

  it('with a target latency, plays every chunk with no skip or pause, the stalls included', async () => {
    const swarm = await watch({ followsCutTimes: true, targetLatencyMs: 1_500 });
    expect(swarm.events('missed')).toEqual([]);
    expect(swarm.events('rebuffered').filter((event) => event.seq <= LAST)).toEqual([]);
    const played = swarm.events('played');
    expect(played.at(-1)!.seq).toBe(LAST);
    // Each chunk after the first played is due a chunk duration plus the target after the chunk before it was cut, stalls or not.
    for (const { seq, dueAt } of played.slice(1)) expect(dueAt, `chunk ${seq}`).toBe(cutAt(seq - 1) + 500 + 1_500);
  });

  it('with a target latency, a faster path found after a stall moves play-out earlier by what it gains, not by the stall', async () => {
    const swarm = new Swarm({ live: true, targetLatencyMs: 1_500, cutTimeOf: (seq) => PUBLISHER_CLOCK + cutAt(seq) });
    // The publisher's announcements take 200 ms; from chunk 10 on a relay announces each chunk the moment it is cut.
    swarm.addPeer('publisher', [], answersAfter(50));
    swarm.addPeer('relay', [], answersAfter(50));
    for (const seq of range(0, LAST)) {
      swarm.clock.setTimeout(() => swarm.announce('publisher', seq), cutAt(seq) + 200);
      if (seq >= 10) swarm.clock.setTimeout(() => swarm.announce('relay', seq), cutAt(seq));
    }
    swarm.scheduler.start();
    await swarm.run(cutAt(LAST) + 5_000);
    expect(swarm.events('missed')).toEqual([]);
    const played = swarm.events('played');
    expect(played.at(-1)!.seq).toBe(LAST);
    // Each chunk plays the target after it could first be heard of: 200 ms later while only the publisher
    // announced, exactly the target once the relay did, the stall of chunk 6 taken into account. (The first chunk
    // of each stall is due on its predecessor's time: its own media fills the wait after it.)
    const stalls = new Set([6, 14]);
    for (const { seq, dueAt } of played.filter((event) => !stalls.has(event.seq))) {
      expect(dueAt - cutAt(seq), `chunk ${seq}`).toBe(seq < 7 ? 1_700 : 1_500);
    }
  });

  it('does not play sooner when chunks come sooner than their grid, and follows the next stall from there', async () => {
    const swarm = new Swarm({ live: true, startupDelayMs: 2_000, cutTimeOf: (seq) => PUBLISHER_CLOCK + (seq < 4 ? 500 * (seq + 1) : seq < 8 ? 2_000 : 1_500 + 500 * seq) });
    swarm.addPeer('publisher', range(0, 12), answersAfter(50));
    swarm.scheduler.setPlayhead(0);
    swarm.scheduler.start();
    await swarm.run(12_000);
    const dueAt = new Map(swarm.events('played').map((event) => [event.seq, event.dueAt]));
    // Chunks 4–7 were all cut at 2 s (a burst after a size cut, say): still one every 500 ms.
    for (const seq of range(1, 8)) expect(dueAt.get(seq), `chunk ${seq}`).toBe(2_000 + 500 * seq);
    // Chunk 8 was cut 3.5 s after chunk 7 but, counted on the grid from chunk 0, only 1 s late (chunks 4–7 came
    // 2 s early, which play-out did not take): chunk 9 waits that 1 s.
    expect(dueAt.get(9)).toBe(2_000 + 500 * 9 + 1_000);
  });
});
