import { describe, expect, it } from 'vitest';
import { RequestCancelledError } from '../src/errors.js';
import { answersAfter, neverAnswers, range, Swarm, type Behaviour } from './sim.js';

describe('playback deadlines', () => {
  it('drops a live chunk past its deadline: missed, its request cancelled, never asked again', async () => {
    const swarm = new Swarm({ live: true });
    // Chunk 3 is held only by a peer that never answers; everything else arrives in 50 ms.
    swarm.addPeer('good', [0, 1, 2, 4, 5, 6, 7, 8], answersAfter(50));
    swarm.addPeer('silent', [3], neverAnswers);
    swarm.scheduler.setPlayhead(0);
    swarm.scheduler.start();
    await swarm.run(6_000);

    // Due 2 s (startup delay) + 3 × 500 ms after the start.
    const [missed] = swarm.events('missed');
    expect(swarm.events('missed')).toHaveLength(1);
    expect(missed).toMatchObject({ seq: 3, dueAt: 3_500, at: 3_500 });
    expect(swarm.events('played').map((event) => event.seq)).toEqual([0, 1, 2, 4, 5, 6, 7, 8]);
    // The request still waiting for it was cancelled at that moment, and fetch was told why.
    expect(swarm.events('cancelled')).toMatchObject([{ seq: 3, peer: 'silent', reason: 'missed', at: 3_500 }]);
    const reason: unknown = swarm.callsTo('silent')[0]!.signal.reason;
    expect(reason).toBeInstanceOf(RequestCancelledError);
    expect(reason).toMatchObject({ code: 'REQUEST_CANCELLED', reason: 'missed' });
    // The peer still announces it, but it is behind the playhead now.
    expect(swarm.events('requested').filter((event) => event.seq === 3).every((event) => event.order < missed!.order)).toBe(true);
    expect(swarm.scheduler.stats).toMatchObject({ played: 8, missed: 1, inFlight: 0 });
  });

  it('never gives up a chunk of a finished stream: it stalls, retries, then plays every chunk in order', async () => {
    const swarm = new Swarm({ live: false, maxInFlightPerPeer: 1 });
    // The only peer fails chunk 2 three times before delivering it.
    const stubborn: Behaviour = ({ seq, attempt }) => (seq === 2 && attempt < 3 ? { after: 100, error: new Error('reset') } : { after: 100 });
    swarm.addPeer('only', range(0, 5), stubborn);
    swarm.scheduler.start();
    await swarm.run(60_000);

    expect(swarm.events('missed')).toEqual([]);
    expect(swarm.events('played').map((event) => event.seq)).toEqual(range(0, 5));
    expect(swarm.events('stalled').map((event) => event.seq)).toContain(2);
    expect(swarm.events('failed').filter((event) => event.seq === 2)).toHaveLength(3);
    expect(swarm.events('ended')).toHaveLength(1);
    expect(swarm.scheduler.playoutState).toBe('ended');
    // After a stall the awaited chunk plays the moment it arrives.
    const delivered = swarm.events('delivered').find((event) => event.seq === 2)!;
    const played = swarm.events('played').find((event) => event.seq === 2)!;
    expect(played.at).toBe(delivered.at);
  });

  it('seats a live playhead liveOffsetMs behind the newest chunk', async () => {
    const swarm = new Swarm({ live: true, liveOffsetMs: 4_000, startupDelayMs: 2_000 });
    swarm.addPeer('a', range(0, 20), answersAfter(50));
    swarm.scheduler.start();
    // 4000 ms / 500 ms = 8 chunks behind chunk 20, due after the startup delay.
    expect(swarm.scheduler.playhead).toBe(12);
    expect(swarm.scheduler.deadline(12)).toBe(2_000);
    expect(swarm.scheduler.deadline(13)).toBe(2_500);
    await swarm.run(1_000);
    expect(Math.min(...swarm.requestedSeqs())).toBe(12);
  });

  it('waits for the edge before seating a live playhead, and starts a young stream at chunk 0 with the same lag', async () => {
    const swarm = new Swarm({ live: true, liveOffsetMs: 4_000, startupDelayMs: 2_000 });
    swarm.scheduler.start();
    expect(swarm.scheduler.playoutState).toBe('waiting');
    expect(swarm.scheduler.playhead).toBeUndefined();
    await swarm.run(1_000);
    // Only chunks 0–3 exist: chunk 0 plays as if it were 8 chunks behind the edge, 2.5 s later than usual.
    swarm.addPeer('a', range(0, 3), answersAfter(50));
    expect(swarm.scheduler.playhead).toBe(0);
    expect(swarm.scheduler.deadline(0)).toBe(1_000 + 2_000 + 2_500);
  });

  it('starts a finished stream at chunk 0', () => {
    const swarm = new Swarm({ live: false, startupDelayMs: 2_000 });
    swarm.scheduler.start();
    expect(swarm.scheduler.playhead).toBe(0);
    expect(swarm.scheduler.deadline(0)).toBe(2_000);
  });

  it('wants live chunks only up to lookAheadMs past the playhead', async () => {
    const swarm = new Swarm({ live: true, lookAheadMs: 2_000 });
    swarm.addPeer('a', range(0, 30), answersAfter(50));
    swarm.scheduler.setPlayhead(0);
    swarm.scheduler.start();
    await swarm.run(10);
    expect([...swarm.requestedSeqs()].sort((a, b) => a - b)).toEqual([0, 1, 2, 3]);
    // As the playhead moves on, the window follows it.
    await swarm.run(3_000);
    expect(Math.max(...swarm.requestedSeqs())).toBe(swarm.scheduler.playhead! + 3);
  });

  it('asks for every chunk of a finished stream, however far ahead', async () => {
    const swarm = new Swarm({ live: false, lookAheadMs: 2_000 });
    swarm.addPeer('a', range(0, 30), answersAfter(10));
    swarm.scheduler.start();
    await swarm.run(1_000);
    expect([...swarm.requestedSeqs()].sort((a, b) => a - b)).toEqual(range(0, 30));
  });

  it('cancels the requests left behind when the playhead is moved', async () => {
    const swarm = new Swarm({ live: false, startupDelayMs: 60_000 });
    swarm.addPeer('a', range(0, 99), neverAnswers);
    swarm.scheduler.start();
    await swarm.run(0);
    const asked = swarm.requestedSeqs();
    swarm.scheduler.setPlayhead(90);
    await swarm.run(0);
    const cancelled = swarm.events('cancelled');
    expect(cancelled.map((event) => event.seq).sort()).toEqual(asked.filter((seq) => seq < 90).sort());
    expect(cancelled.every((event) => event.reason === 'out-of-window')).toBe(true);
    expect(swarm.events('requested').slice(asked.length).every((event) => event.seq >= 90)).toBe(true);
  });
});

describe('the pace of a finished stream', () => {
  it('spaces deadlines by the chunk duration set after start, from the playhead on', async () => {
    const swarm = new Swarm({ live: false, chunkDurationMs: 100, startupDelayMs: 2_000 });
    swarm.addPeer('a', range(0, 20), answersAfter(50));
    swarm.scheduler.start();
    expect(swarm.scheduler.deadline(4)).toBe(2_400);
    swarm.scheduler.setChunkDurationMs(400);
    expect(swarm.scheduler.chunkDurationMs).toBe(400);
    // Chunk 0 stays due when it was; every later chunk follows it at the new pace.
    expect(swarm.scheduler.deadline(0)).toBe(2_000);
    expect(swarm.scheduler.deadline(4)).toBe(3_600);
    await swarm.run(20_000);
    expect(swarm.events('played').map((event) => event.seq)).toEqual(range(0, 20));
  });

  it('refuses a new chunk duration for a live stream, and one that is not positive', () => {
    const live = new Swarm({ live: true });
    expect(() => live.scheduler.setChunkDurationMs(400)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    const finished = new Swarm({ live: false });
    for (const bad of [0, -1, Number.NaN, Infinity]) {
      expect(() => finished.scheduler.setChunkDurationMs(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    expect(finished.scheduler.chunkDurationMs).toBe(500);
  });
});
