import { describe, expect, it } from 'vitest';
import { answersAfter, Swarm } from './sim.js';

// A request the scheduler gave up on may still deliver: the peer had sent its answer before the
// cancel reached it. The chunk counts, and whatever was asked elsewhere for it is called off.

describe('a chunk that arrives after its request was given up', () => {
  it('counts as delivered, and the request that replaced it is cancelled', async () => {
    const swarm = new Swarm({ live: false, startupDelayMs: 60_000, initialTimeoutMs: 1_000 });
    // Only `a` holds chunk 0 at first; its answer is on its way and lands 1.5 s after the ask.
    swarm.addPeer('a', [0], () => ({ after: 1_500, sent: true }));
    swarm.scheduler.start();
    await swarm.run(0);
    expect(swarm.calls).toMatchObject([{ peer: 'a', seq: 0 }]);
    swarm.addPeer('b', [0], answersAfter(2_000));

    // Timed out at 1 s: asked of `b` instead.
    await swarm.run(1_000);
    expect(swarm.events('timedOut')).toMatchObject([{ seq: 0, peer: 'a', at: 1_000 }]);
    expect(swarm.calls.map((call) => call.peer)).toEqual(['a', 'b']);

    // `a`'s chunk lands at 1.5 s: held, and the request to `b` (due at 3 s) is called off.
    await swarm.run(500);
    expect(swarm.scheduler.isHeld(0)).toBe(true);
    expect(swarm.events('delivered')).toMatchObject([{ seq: 0, peer: 'a', at: 1_500 }]);
    expect(swarm.events('cancelled')).toMatchObject([{ seq: 0, peer: 'b', reason: 'duplicate', at: 1_500 }]);
    expect(swarm.scheduler.stats).toMatchObject({ delivered: 1, timedOut: 1, inFlight: 0 });
    // `b` was not slow (it was asked 0.5 s before): its estimate is left as it was, not doubled to 1 s.
    expect(swarm.scheduler.peerInfo('b')?.rttMs).toBeUndefined();
  });

  it('counts as a duplicate when the chunk came from elsewhere first', async () => {
    const swarm = new Swarm({ live: false, startupDelayMs: 60_000, initialTimeoutMs: 1_000 });
    swarm.addPeer('a', [0], () => ({ after: 3_000, sent: true }));
    swarm.scheduler.start();
    await swarm.run(0);
    swarm.addPeer('b', [0], answersAfter(500));
    await swarm.run(3_000);
    expect(swarm.events('delivered')).toMatchObject([{ seq: 0, peer: 'b', at: 1_500 }]);
    expect(swarm.events('duplicated')).toMatchObject([{ seq: 0, peer: 'a', at: 3_000 }]);
    expect(swarm.scheduler.stats).toMatchObject({ delivered: 1, duplicated: 1 });
  });
});
