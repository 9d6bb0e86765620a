import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../src/errors.js';
import { Scheduler } from '../src/index.js';
import { answersAfter, range, Swarm, type Behaviour } from './sim.js';

const noFetch = () => Promise.resolve();

/**
 * A publisher's grid through peer `a`: chunks 0–4 held at 0, then chunk s announced at
 * (s − 4) × 500 ms, so with a target of 1 s chunk s is due at (s − 4) × 500 + 1 000; chunk 3,
 * due at 500, is where play starts. `late` chunks are announced at the given time instead; none
 * after `until`.
 */
async function grid(swarm: Swarm, until: number, late: ReadonlyMap<number, number> = new Map()): Promise<void> {
  const announceAt = new Map<number, number[]>();
  for (let seq = 5; (seq - 4) * 500 <= until; seq++) {
    const at = late.get(seq) ?? (seq - 4) * 500;
    if (at > until) continue;
    announceAt.set(at, [...(announceAt.get(at) ?? []), seq]);
  }
  const times = [...announceAt.keys()].sort((x, y) => x - y);
  let now = 0;
  for (const at of times) {
    await swarm.run(at - now);
    now = at;
    for (const seq of announceAt.get(at)!) swarm.announce('a', seq);
  }
  await swarm.run(until - now);
}

function fallingBack(behaviour: Behaviour = answersAfter(50), options: { maxLatencyMs?: number } = {}): Swarm {
  const swarm = new Swarm({ live: true, targetLatencyMs: 1_000, startupLeadMs: 500, maxLatencyMs: options.maxLatencyMs ?? 3_000 });
  swarm.scheduler.start();
  swarm.addPeer('a', range(0, 4), behaviour);
  return swarm;
}

const playedAt = (swarm: Swarm, seq: number) => swarm.events('played').find((event) => event.seq === seq)?.at;

describe('target latency falling back (live)', () => {
  it('waits for a chunk announced after it was due instead of skipping it, and holds the longer latency after it', async () => {
    const swarm = fallingBack();
    expect(swarm.scheduler.playhead).toBe(3);
    // Chunk 8 is due at 3 000; its announcement comes 300 ms after that, chunk 9's on time (2 500).
    await grid(swarm, 6_000, new Map([[8, 3_300]]));
    expect(swarm.events('missed')).toEqual([]);
    expect(swarm.events('rebuffered')).toMatchObject([{ seq: 8, resume: 8, at: 3_000 }]);
    // Asked at 3 300, delivered 50 ms later and played at once: 350 ms more latency from then on.
    expect(playedAt(swarm, 8)).toBe(3_350);
    expect(swarm.scheduler.latencyMs).toBe(1_350);
    expect(playedAt(swarm, 9)).toBe(3_850);
    expect(playedAt(swarm, 12)).toBe(5_350);
  });

  it('while it waits, asks for the late chunk by the end of the wait, and for the chunks after it as if it came now', async () => {
    const swarm = fallingBack();
    await grid(swarm, 3_100, new Map([[8, 3_300]]));
    expect(swarm.scheduler.playoutState).toBe('stalled');
    // The wait for chunk 8 began at 3 000 and may last until 5 000; chunk 9 is due a chunk after now.
    expect(swarm.scheduler.deadline(8)).toBe(5_000);
    expect(swarm.scheduler.deadline(9)).toBe(3_600);
    expect(swarm.scheduler.deadline(10)).toBe(4_100);
  });

  it('waits for a chunk whose answer comes late, and asks for it in time for the end of the wait', async () => {
    // The only holder of chunk 8 answers it in 1.2 s, whoever asks: it arrives 200 ms after it was due.
    const swarm = fallingBack(({ seq }) => (seq === 8 ? { after: 1_200, sent: true } : { after: 50 }));
    await grid(swarm, 6_000);
    expect(swarm.events('missed')).toEqual([]);
    expect(playedAt(swarm, 8)).toBe(3_200);
    // After that answer the peer looks too slow for chunk 9's deadline (3 700), so 9 is asked only
    // when due, and waited for too: 50 ms more.
    expect(swarm.events('rebuffered').map((event) => [event.seq, event.at])).toEqual([
      [8, 3_000],
      [9, 3_700],
    ]);
    expect(playedAt(swarm, 9)).toBe(3_750);
    expect(swarm.scheduler.latencyMs).toBe(1_250);
  });

  it('skips a chunk that does not come within the most latency allowed, and plays on at that latency', async () => {
    const swarm = fallingBack();
    // Chunk 8 is never announced: the wait for it ends at 3 000 + (3 000 − 1 000).
    await grid(swarm, 8_000, new Map([[8, Infinity]]));
    expect(swarm.events('missed')).toMatchObject([{ seq: 8, at: 5_000 }]);
    expect(swarm.scheduler.latencyMs).toBe(3_000);
    // Chunk 9, announced at 2 500, plays 3 s later; nothing after it is skipped.
    expect(playedAt(swarm, 9)).toBe(5_500);
    expect(swarm.events('played').map((event) => event.seq)).toEqual([...range(3, 7), ...range(9, 14)]);
  });

  it('catches up to the target at 1.05× the pace once nothing was waited for in 10 s', async () => {
    const swarm = fallingBack();
    await grid(swarm, 30_000, new Map([[8, 3_300]]));
    expect(swarm.events('missed')).toEqual([]);
    expect(swarm.events('rebuffered')).toHaveLength(1);
    expect(swarm.scheduler.latencyMs).toBe(1_000);
    // Until 10 s after the wait (3 350) chunks play 500 ms apart, then 475 ms apart until 350 ms are caught up.
    const at = (seq: number) => playedAt(swarm, seq)!;
    expect(at(28) - at(27)).toBe(500);
    expect(at(29) - at(28)).toBe(475);
    expect(at(29 + 14) - at(29 + 13)).toBe(500);
    expect(at(50)).toBe((50 - 4) * 500 + 1_000);
  });

  it('skips the late chunk, as before, when the most latency allowed is the target', async () => {
    const swarm = fallingBack(answersAfter(50), { maxLatencyMs: 1_000 });
    await grid(swarm, 6_000, new Map([[8, 3_300]]));
    expect(swarm.events('missed').map((event) => event.seq)).toEqual([8]);
    expect(swarm.events('rebuffered')).toEqual([]);
    expect(swarm.scheduler.latencyMs).toBe(1_000);
  });

  it('has no latency held without a target, and refuses a negative maximum', () => {
    expect(new Swarm({ live: true }).scheduler.latencyMs).toBeUndefined();
    expect(() => new Scheduler({ fetch: noFetch, targetLatencyMs: 1_000, maxLatencyMs: -1 })).toThrow(InvalidArgumentError);
  });
});
