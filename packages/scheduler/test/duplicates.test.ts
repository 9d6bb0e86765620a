import { describe, expect, it } from 'vitest';
import { RequestCancelledError } from '../src/errors.js';
import { neverAnswers, range, Swarm, type Behaviour } from './sim.js';

/** The first peer asked never answers; any later request is answered after `ms`. */
function firstAskedStalls(swarm: Swarm, ms: number): Behaviour {
  return () => (swarm.calls.length === 1 ? 'never' : { after: ms });
}

describe('second requests near the deadline', () => {
  it('asks a second peer for an urgent chunk once its deadline is duplicateLeadMs away, and cancels the loser', async () => {
    // Chunk 0 is due at 2000; duplicateLeadMs (1500) makes it eligible for a second request at 500.
    const swarm = new Swarm({ live: true, startupDelayMs: 2_000, duplicateLeadMs: 1_500 });
    swarm.addPeer('a', [0], firstAskedStalls(swarm, 100));
    swarm.addPeer('b', [0], firstAskedStalls(swarm, 100));
    swarm.scheduler.setPlayhead(0);
    swarm.scheduler.start();
    await swarm.run(499);
    expect(swarm.calls).toHaveLength(1);
    const [first] = swarm.calls;
    const second = first!.peer === 'a' ? 'b' : 'a';

    await swarm.run(1);
    expect(swarm.events('requested')).toMatchObject([
      { seq: 0, peer: first!.peer, duplicate: false, urgent: true, at: 0 },
      { seq: 0, peer: second, duplicate: true, urgent: true, at: 500 },
    ]);

    // The second peer delivers at 600: the first request is cancelled as a duplicate.
    await swarm.run(100);
    expect(swarm.events('delivered')).toMatchObject([{ seq: 0, peer: second, at: 600 }]);
    expect(swarm.events('cancelled')).toMatchObject([{ seq: 0, peer: first!.peer, reason: 'duplicate', at: 600 }]);
    expect(first!.signal.aborted).toBe(true);
    expect(first!.signal.reason).toBeInstanceOf(RequestCancelledError);
    expect(first!.signal.reason).toMatchObject({ reason: 'duplicate' });
    expect(swarm.scheduler.stats).toMatchObject({ requested: 2, duplicateRequests: 1, delivered: 1, cancelled: 1, inFlight: 0 });

    await swarm.run(1_400);
    expect(swarm.events('played')).toMatchObject([{ seq: 0, at: 2_000 }]);
  });

  it('does not ask a second peer while the deadline is further than duplicateLeadMs', async () => {
    const swarm = new Swarm({ live: false, startupDelayMs: 60_000, maxInFlightPerPeer: 1 });
    swarm.addPeer('a', [0], neverAnswers);
    swarm.addPeer('b', [0], neverAnswers);
    swarm.scheduler.start();
    // Both peers stay silent: the single request times out and moves, but is never doubled.
    await swarm.run(20_000);
    expect(swarm.events('requested').some((event) => event.duplicate)).toBe(false);
    expect(swarm.calls.every((call, i) => swarm.calls.slice(0, i).every((before) => before.settled!.at <= call.at))).toBe(true);
  });

  it('never has more than two requests in flight for one chunk', async () => {
    const swarm = new Swarm({ live: true, startupDelayMs: 1_000 });
    for (const peer of ['a', 'b', 'c', 'd']) swarm.addPeer(peer, range(0, 9), neverAnswers);
    swarm.scheduler.setPlayhead(0);
    swarm.scheduler.start();
    await swarm.run(8_000);
    const open = new Map<number, number>();
    // Replay requests (+1) and their ends (-1) in the order they happened.
    const changes = [
      ...swarm.events('requested').map(({ seq, order }) => ({ seq, order, delta: 1 })),
      ...swarm.events('cancelled').map(({ seq, order }) => ({ seq, order, delta: -1 })),
      ...swarm.events('timedOut').map(({ seq, order }) => ({ seq, order, delta: -1 })),
    ];
    let most = 0;
    for (const { seq, delta } of changes.sort((x, y) => x.order - y.order)) {
      open.set(seq, (open.get(seq) ?? 0) + delta);
      most = Math.max(most, open.get(seq)!);
    }
    expect(most).toBe(2);
  });

  it('cancels every request for a chunk obtained otherwise (markHeld)', async () => {
    const swarm = new Swarm({ live: false, startupDelayMs: 60_000 });
    swarm.addPeer('a', range(0, 3), neverAnswers);
    swarm.scheduler.start();
    await swarm.run(0);
    swarm.scheduler.markHeld(2);
    expect(swarm.scheduler.isHeld(2)).toBe(true);
    expect(swarm.events('cancelled')).toMatchObject([{ seq: 2, peer: 'a', reason: 'held' }]);
    expect(swarm.calls.find((call) => call.seq === 2)!.settled?.outcome).toBe('aborted');
  });
});

describe('duplicated chunks', () => {
  it('reports the losing side of a second request that arrived in the same instant', async () => {
    const swarm = new Swarm({ live: true, startupDelayMs: 2_000 });
    // Both peers answer chunk 0 at 1200 exactly, whichever was asked first.
    const at1200: Behaviour = ({ now }) => ({ after: 1_200 - now, bytes: 1_000 });
    swarm.addPeer('a', [0], at1200);
    swarm.addPeer('b', [0], at1200);
    swarm.scheduler.setPlayhead(0);
    swarm.scheduler.start();
    await swarm.run(1_200);
    expect(swarm.events('requested').map((event) => event.duplicate)).toEqual([false, true]);
    const [winner, loser] = swarm.calls.map((call) => call.peer);
    expect(swarm.events('delivered')).toMatchObject([{ seq: 0, peer: winner }]);
    expect(swarm.events('duplicated')).toMatchObject([{ seq: 0, peer: loser, bytes: 1_000, at: 1_200 }]);
    expect(swarm.scheduler.stats).toMatchObject({ delivered: 1, deliveredBytes: 1_000, duplicated: 1, duplicateBytes: 1_000 });
  });
});
