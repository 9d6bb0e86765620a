import { describe, expect, it } from 'vitest';
import { DEFAULT_CHUNK_BYTES } from '../src/constants.js';
import { answersAfter, neverAnswers, range, Swarm, type Behaviour } from './sim.js';

describe('events', () => {
  it('requested, delivered and played carry the request, its answer and the play-out time', async () => {
    const swarm = new Swarm({ live: false, startupDelayMs: 1_000 });
    swarm.addPeer('a', [0], answersAfter(120, 5_000));
    swarm.scheduler.start();
    await swarm.run(1_000);
    expect(swarm.events('requested')).toEqual([{ seq: 0, peer: 'a', duplicate: false, urgent: true, timeoutMs: 4_000, at: 0, order: 0 }]);
    expect(swarm.events('delivered')).toEqual([{ seq: 0, peer: 'a', bytes: 5_000, ms: 120, at: 120, order: 1 }]);
    expect(swarm.events('played')).toEqual([{ seq: 0, dueAt: 1_000, at: 1_000, order: 2 }]);
    expect(swarm.scheduler.peerInfo('a')).toMatchObject({ delivered: 1, bytes: 5_000, rttMs: 120, inFlight: 0 });
  });

  it('delivered counts the expected chunk size when fetch resolves without one', async () => {
    const swarm = new Swarm({ live: false, startupDelayMs: 60_000 });
    swarm.addPeer('a', [0], () => ({ after: 10, bytes: undefined }));
    swarm.scheduler.start();
    await swarm.run(10);
    expect(swarm.events('delivered')).toMatchObject([{ bytes: DEFAULT_CHUNK_BYTES }]);
  });

  it('timedOut and failed say which request, how long it waited and what fetch rejected with', async () => {
    const swarm = new Swarm({ live: false, startupDelayMs: 60_000, initialTimeoutMs: 1_000 });
    const reset = new Error('reset');
    swarm.addPeer('silent', [0], neverAnswers);
    swarm.addPeer('broken', [1], () => ({ after: 30, error: reset }));
    swarm.scheduler.start();
    await swarm.run(1_000);
    expect(swarm.events('failed')).toEqual([{ seq: 1, peer: 'broken', error: reset, at: 30, order: expect.any(Number) }]);
    expect(swarm.events('timedOut')).toEqual([{ seq: 0, peer: 'silent', afterMs: 1_000, at: 1_000, order: expect.any(Number) }]);
    expect(swarm.scheduler.stats).toMatchObject({ requested: 2, failed: 1, timedOut: 1, delivered: 0 });
  });

  it('missed fires for each live chunk the playhead passes without it, with when it was due', async () => {
    const swarm = new Swarm({ live: true, startupDelayMs: 1_000 });
    swarm.addPeer('a', [0, 2], answersAfter(10));
    swarm.scheduler.setEdge(3);
    swarm.scheduler.setPlayhead(0);
    swarm.scheduler.start();
    await swarm.run(2_500);
    expect(swarm.events('played').map(({ seq, dueAt }) => ({ seq, dueAt }))).toEqual([
      { seq: 0, dueAt: 1_000 },
      { seq: 2, dueAt: 2_000 },
    ]);
    expect(swarm.events('missed').map(({ seq, dueAt }) => ({ seq, dueAt }))).toEqual([
      { seq: 1, dueAt: 1_500 },
      { seq: 3, dueAt: 2_500 },
    ]);
    expect(swarm.scheduler.stats).toMatchObject({ played: 2, missed: 2 });
  });

  it('stalled and ended mark a finished stream waiting for a chunk and passing its last one', async () => {
    const swarm = new Swarm({ live: false, startupDelayMs: 1_000 });
    // Chunk 1 takes 2 s to arrive, so the playhead waits for it from 1500 to 2000.
    const slowOne: Behaviour = ({ seq }) => ({ after: seq === 1 ? 2_000 : 10 });
    swarm.addPeer('a', range(0, 2), slowOne);
    swarm.scheduler.start();
    await swarm.run(5_000);
    expect(swarm.events('stalled')).toMatchObject([{ seq: 1, dueAt: 1_500, at: 1_500 }]);
    expect(swarm.scheduler.playoutState).toBe('ended');
    // Resumed when chunk 1 arrived; the rest follow one chunk duration apart.
    expect(swarm.events('played').map(({ seq, at }) => ({ seq, at }))).toEqual([
      { seq: 0, at: 1_000 },
      { seq: 1, at: 2_000 },
      { seq: 2, at: 2_500 },
    ]);
    expect(swarm.events('ended')).toMatchObject([{ at: 3_000 }]);
  });

  it('peerFailing names the peer and its failures in a row', async () => {
    const swarm = new Swarm({ live: false, startupDelayMs: 60_000, maxConsecutiveFailures: 2, maxInFlightPerPeer: 1 });
    swarm.addPeer('broken', [0], () => ({ after: 10, error: new Error('reset') }));
    swarm.scheduler.start();
    await swarm.run(5_000);
    expect(swarm.events('peerFailing')).toMatchObject([{ peer: 'broken', consecutiveFailures: 2 }]);
  });

  it('close cancels every request, releases every timer and fires once', async () => {
    const swarm = new Swarm({ live: true });
    swarm.addPeer('a', range(0, 9), neverAnswers);
    swarm.scheduler.setPlayhead(0);
    swarm.scheduler.start();
    await swarm.run(100);
    const inFlight = swarm.scheduler.stats.inFlight;
    expect(inFlight).toBeGreaterThan(0);
    swarm.scheduler.close();
    swarm.scheduler.close();
    expect(swarm.events('close')).toHaveLength(1);
    expect(swarm.events('cancelled')).toHaveLength(inFlight);
    expect(swarm.events('cancelled').every((event) => event.reason === 'closed')).toBe(true);
    expect(swarm.scheduler.stats.inFlight).toBe(0);
    expect(swarm.clock.pendingTimers).toBe(0);
    expect(swarm.calls.every((call) => call.settled?.outcome === 'aborted')).toBe(true);
  });

  it('removing a peer cancels what was asked of it and asks someone else', async () => {
    const swarm = new Swarm({ live: false, startupDelayMs: 60_000 });
    swarm.addPeer('leaving', [0], neverAnswers);
    swarm.scheduler.start();
    await swarm.run(100);
    swarm.addPeer('staying', [0], answersAfter(10));
    swarm.removePeer('leaving');
    await swarm.run(100);
    expect(swarm.events('cancelled')).toMatchObject([{ seq: 0, peer: 'leaving', reason: 'peer-removed' }]);
    expect(swarm.events('delivered')).toMatchObject([{ seq: 0, peer: 'staying' }]);
    expect(swarm.scheduler.peerInfo('leaving')).toBeUndefined();
  });
});
