import { describe, expect, it } from 'vitest';
import { ChunkRefusedError } from '../src/index.js';
import { RequestTimeoutError } from '../src/errors.js';
import { answersAfter, neverAnswers, range, Swarm, type Behaviour } from './sim.js';

const rejectsAfter =
  (ms: number, error: () => unknown): Behaviour =>
  () => ({ after: ms, error: error() });

describe('peers that fail', () => {
  it('routes around a peer that never answers: every chunk plays, all of them from the other peer', async () => {
    const swarm = new Swarm({ live: true });
    swarm.addPeer('silent', range(0, 9), neverAnswers);
    swarm.addPeer('good', range(0, 9), answersAfter(50));
    // A live stream: both peers announce a new chunk every 500 ms, up to chunk 59.
    for (const seq of range(10, 59)) {
      swarm.clock.setTimeout(() => {
        swarm.announce('silent', seq);
        swarm.announce('good', seq);
      }, (seq - 9) * 500);
    }
    swarm.scheduler.setPlayhead(0);
    swarm.scheduler.start();
    // Chunk 59 is due 2 s (the startup delay) + 59 × 500 ms after the start.
    await swarm.run(31_500);
    expect(swarm.events('played').map((event) => event.seq)).toEqual(range(0, 59));
    expect(swarm.events('missed')).toEqual([]);
    expect(swarm.events('delivered').every((event) => event.peer === 'good')).toBe(true);
    // The silent peer was tried, then given up on request by request (moved, doubled or timed out).
    const silent = swarm.callsTo('silent');
    expect(silent.length).toBeGreaterThan(0);
    expect(silent.every((call) => call.settled?.outcome === 'aborted')).toBe(true);
    expect(silent.length).toBeLessThan(swarm.callsTo('good').length / 4);
  });

  it('times a request out after the initial timeout and tells fetch why through the signal', async () => {
    const swarm = new Swarm({ live: false, startupDelayMs: 60_000, initialTimeoutMs: 2_500 });
    swarm.addPeer('silent', [0], neverAnswers);
    swarm.scheduler.start();
    await swarm.run(2_499);
    expect(swarm.events('timedOut')).toEqual([]);
    await swarm.run(1);
    expect(swarm.events('timedOut')).toMatchObject([{ seq: 0, peer: 'silent', afterMs: 2_500, at: 2_500 }]);
    const reason: unknown = swarm.calls[0]!.signal.reason;
    expect(reason).toBeInstanceOf(RequestTimeoutError);
    expect(reason).toMatchObject({ code: 'REQUEST_TIMEOUT', peer: 'silent', seq: 0, afterMs: 2_500 });
  });

  it('rests a failing peer for a backoff that doubles, and reports it failing after maxConsecutiveFailures', async () => {
    const swarm = new Swarm({ live: false, startupDelayMs: 60_000, maxInFlightPerPeer: 1 });
    swarm.addPeer('broken', [0], rejectsAfter(10, () => new Error('connection reset')));
    swarm.scheduler.start();
    await swarm.run(10_000);
    // Fails at 10 → rests 1 s; fails at 1020 → rests 2 s; fails at 3030 → rests 4 s; …
    expect(swarm.calls.slice(0, 4).map((call) => call.at)).toEqual([0, 1_010, 3_020, 7_030]);
    expect(swarm.events('failed').slice(0, 3).map((event) => (event.error as Error).message)).toEqual(Array(3).fill('connection reset'));
    // Emitted once, at the third failure in a row.
    expect(swarm.events('peerFailing')).toMatchObject([{ peer: 'broken', consecutiveFailures: 3, at: 3_030 }]);
    expect(swarm.scheduler.peerInfo('broken')).toMatchObject({ consecutiveFailures: 4, failed: 4, delivered: 0 });
  });

  it('counts requests that were in flight together and failed together as one failure in the streak', async () => {
    // A peer that stalls for a while fails every pipelined request at once: that is one failure,
    // not four, or a publisher busy for a second would be reported failing and dropped.
    const swarm = new Swarm({ live: false, startupDelayMs: 60_000, initialTimeoutMs: 1_000 });
    swarm.addPeer('stalling', range(0, 99), neverAnswers);
    swarm.scheduler.start();
    await swarm.run(1_500);
    expect(swarm.events('timedOut').map((event) => event.at)).toEqual([1_000, 1_000, 1_000, 1_000]);
    expect(swarm.scheduler.peerInfo('stalling')).toMatchObject({ consecutiveFailures: 1, failed: 4 });
    expect(swarm.events('peerFailing')).toEqual([]);
    // Rests 1 s, fails again at 3000, rests 2 s, fails a third time at 6000: reported then, once.
    await swarm.run(10_000);
    expect(swarm.events('peerFailing')).toMatchObject([{ peer: 'stalling', consecutiveFailures: 3, at: 6_000 }]);
  });

  it('forgets the failures of a peer once it delivers again', async () => {
    const swarm = new Swarm({ live: false, startupDelayMs: 60_000, maxInFlightPerPeer: 1, maxConsecutiveFailures: 2 });
    let calls = 0;
    swarm.addPeer('flaky', range(0, 5), () => (calls++ % 2 === 0 ? { after: 10, error: new Error('reset') } : { after: 10 }));
    swarm.scheduler.start();
    await swarm.run(30_000);
    // Every other answer is a failure: never two in a row, so it is never reported.
    expect(swarm.events('failed').length).toBeGreaterThanOrEqual(3);
    expect(swarm.events('peerFailing')).toEqual([]);
    expect(swarm.scheduler.peerInfo('flaky')?.consecutiveFailures).toBe(0);
  });

  it('rests a peer that answered busy for busyRestMs, without counting a failure', async () => {
    const swarm = new Swarm({ live: false, startupDelayMs: 60_000, maxInFlightPerPeer: 1, busyRestMs: 300 });
    swarm.addPeer('crowded', [0], ({ attempt, seq }) =>
      attempt < 5 ? { after: 10, error: new ChunkRefusedError('crowded', seq, 'busy') } : { after: 10 },
    );
    swarm.scheduler.start();
    await swarm.run(5_000);
    // 10 ms to refuse, 300 ms of rest, asked again: no doubling, since it is not failing.
    expect(swarm.calls.map((call) => call.at)).toEqual([0, 310, 620, 930, 1_240, 1_550]);
    expect(swarm.events('failed')).toHaveLength(5);
    expect(swarm.events('peerFailing')).toEqual([]);
    expect(swarm.events('delivered')).toMatchObject([{ seq: 0, peer: 'crowded' }]);
    expect(swarm.scheduler.peerInfo('crowded')).toMatchObject({ consecutiveFailures: 0, failed: 0, delivered: 1 });
  });

  it('takes a refusal that crossed a realm (a plain object with its code and reason) as a refusal', async () => {
    const swarm = new Swarm({ live: false, startupDelayMs: 60_000, maxInFlightPerPeer: 1, busyRestMs: 300 });
    swarm.addPeer('crowded', [0], ({ attempt }) =>
      attempt === 0 ? { after: 10, error: { code: 'CHUNK_REFUSED', reason: 'busy' } } : { after: 10 },
    );
    swarm.scheduler.start();
    await swarm.run(5_000);
    expect(swarm.calls.map((call) => call.at)).toEqual([0, 310]);
    expect(swarm.scheduler.peerInfo('crowded')?.failed).toBe(0);
  });

  it('does not ask a peer again for a chunk it refused as not held, until it announces it again', async () => {
    const swarm = new Swarm({ live: false, startupDelayMs: 60_000 });
    swarm.addPeer('forgetful', [0], ({ attempt, seq }) =>
      attempt === 0 ? { after: 10, error: new ChunkRefusedError('forgetful', seq, 'not-held') } : { after: 10 },
    );
    swarm.scheduler.start();
    await swarm.run(5_000);
    expect(swarm.calls).toHaveLength(1);
    expect(swarm.scheduler.peerInfo('forgetful')?.failed).toBe(0);
    expect(swarm.scheduler.isHeld(0)).toBe(false);
    // The peer fetched it again and says so: now it is worth asking.
    swarm.announce('forgetful', 0);
    await swarm.run(100);
    expect(swarm.calls).toHaveLength(2);
    expect(swarm.scheduler.isHeld(0)).toBe(true);
  });

  it('asks another peer for a chunk one peer refused as not held', async () => {
    const swarm = new Swarm({ live: false, startupDelayMs: 60_000, seed: 3 });
    const refuses: Behaviour = ({ seq }) => ({ after: 10, error: new ChunkRefusedError('x', seq, 'not-held') });
    swarm.addPeer('a', [0], refuses);
    swarm.addPeer('b', [0], refuses);
    swarm.addPeer('c', [0], answersAfter(10));
    swarm.scheduler.start();
    await swarm.run(1_000);
    // Whatever the order, no peer is asked twice and the chunk arrives.
    const asked = swarm.calls.map((call) => call.peer);
    expect(new Set(asked).size).toBe(asked.length);
    expect(swarm.events('delivered')).toMatchObject([{ seq: 0, peer: 'c' }]);
  });

  it('adapts the timeout to the measured round trip, within the floor and the ceiling', async () => {
    const swarm = new Swarm({ live: false, startupDelayMs: 60_000, maxInFlightPerPeer: 1, timeoutFloorMs: 100 });
    swarm.addPeer('steady', range(0, 2), answersAfter(100));
    swarm.scheduler.start();
    await swarm.run(1_000);
    // First the initial timeout; then the round trip (100) plus four deviations (50, then 37.5).
    expect(swarm.events('requested').map((event) => event.timeoutMs)).toEqual([4_000, 300, 250]);

    const floored = new Swarm({ live: false, startupDelayMs: 60_000, maxInFlightPerPeer: 1 });
    floored.addPeer('steady', range(0, 1), answersAfter(100));
    floored.scheduler.start();
    await floored.run(1_000);
    expect(floored.events('requested').map((event) => event.timeoutMs)).toEqual([4_000, 500]);

    const ceiled = new Swarm({ live: false, startupDelayMs: 60_000, initialTimeoutMs: 60_000, timeoutCeilingMs: 8_000 });
    ceiled.addPeer('silent', [0], neverAnswers);
    ceiled.scheduler.start();
    await ceiled.run(8_000);
    expect(ceiled.events('requested')[0]!.timeoutMs).toBe(8_000);
    expect(ceiled.events('timedOut')).toMatchObject([{ afterMs: 8_000 }]);
  });
});
