import { describe, expect, it } from 'vitest';
import { ChunkRefusedError, sequential, type Strategy } from '../src/index.js';
import { answersAfter, neverAnswers, range, Swarm, type Behaviour } from './sim.js';

// Every chunk but 3 comes from `good` in 50 ms; chunk 3 is due at 3 500 ms (2 s of startup
// delay, then 500 ms a chunk), and each test arranges one reason for it not to be held then.
function liveSwarm(options: ConstructorParameters<typeof Swarm>[0] = {}): Swarm {
  const swarm = new Swarm({ live: true, ...options });
  swarm.addPeer('good', [0, 1, 2, 4, 5, 6, 7, 8], answersAfter(50));
  return swarm;
}

async function skipOfChunk3(swarm: Swarm) {
  swarm.scheduler.setPlayhead(0);
  swarm.scheduler.start();
  await swarm.run(6_000);
  expect(swarm.events('played').map((event) => event.seq)).toEqual([0, 1, 2, 4, 5, 6, 7, 8]);
  expect(swarm.events('missed')).toHaveLength(1);
  const [missed] = swarm.events('missed');
  expect(missed).toMatchObject({ seq: 3, dueAt: 3_500 });
  expect(swarm.scheduler.stats.missedByCause[missed!.cause]).toBe(1);
  expect(Object.values(swarm.scheduler.stats.missedByCause).reduce((a, b) => a + b, 0)).toBe(1);
  return missed!;
}

/** `sequential`, except that it never asks for `withheld`. */
function withholding(withheld: number): Strategy {
  const inner = sequential();
  return {
    name: `sequential without ${withheld}`,
    next: (view) =>
      inner.next(
        new Proxy(view, {
          get(target, key) {
            if (key === 'candidates') return () => target.candidates().filter((seq) => seq !== withheld);
            const value: unknown = Reflect.get(target, key);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        }),
      ),
  };
}

describe('the cause of a skip', () => {
  it('is never-announced when no peer ever had the chunk', async () => {
    const missed = await skipOfChunk3(liveSwarm());
    expect(missed).toMatchObject({ cause: 'never-announced', peers: [] });
  });

  it('is timed-out, naming the peer, when the last request for it ran out its timeout', async () => {
    // One long rest after the failure, so the silent peer is not asked again before the deadline.
    const swarm = liveSwarm({ initialTimeoutMs: 1_000, backoffFloorMs: 10_000, backoffCeilingMs: 10_000 });
    swarm.addPeer('silent', [3], neverAnswers);
    const missed = await skipOfChunk3(swarm);
    expect(missed).toMatchObject({ cause: 'timed-out', peers: ['silent'] });
    expect(swarm.events('timedOut')).toMatchObject([{ seq: 3, peer: 'silent' }]);
  });

  it('is refused-busy, naming the peer, when the last request for it was refused busy', async () => {
    const busy: Behaviour = ({ seq }) => ({ after: 10, error: new ChunkRefusedError('busy', seq, 'busy') });
    const swarm = liveSwarm({ busyRestMs: 10_000 });
    swarm.addPeer('busy', [3], busy);
    const missed = await skipOfChunk3(swarm);
    expect(missed).toMatchObject({ cause: 'refused-busy', peers: ['busy'] });
  });

  it('is held-back, naming who had it, when a peer had it but the strategy never asked', async () => {
    const swarm = liveSwarm({ strategy: withholding(3) });
    swarm.addPeer('holder', [3], answersAfter(50));
    const missed = await skipOfChunk3(swarm);
    expect(missed).toMatchObject({ cause: 'held-back', peers: ['holder'] });
    expect(swarm.calls.filter((call) => call.seq === 3)).toEqual([]);
  });

  it('is late, naming the peer, when the chunk was still on its way at its deadline', async () => {
    const swarm = liveSwarm({ initialTimeoutMs: 10_000 });
    swarm.addPeer('slow', [3], answersAfter(5_000));
    const missed = await skipOfChunk3(swarm);
    expect(missed).toMatchObject({ cause: 'late', peers: ['slow'] });
    expect(swarm.events('cancelled')).toMatchObject([{ seq: 3, peer: 'slow', reason: 'missed', at: 3_500 }]);
  });

  it('follows the last attempt: refused busy, then asked again and still on its way, is late', async () => {
    const busyThenSlow: Behaviour = ({ seq, attempt }) =>
      attempt === 0 ? { after: 10, error: new ChunkRefusedError('flaky', seq, 'busy') } : { after: 5_000 };
    const swarm = liveSwarm({ initialTimeoutMs: 10_000 });
    swarm.addPeer('flaky', [3], busyThenSlow);
    const missed = await skipOfChunk3(swarm);
    expect(missed).toMatchObject({ cause: 'late', peers: ['flaky'] });
    expect(swarm.callsTo('flaky')).toHaveLength(2);
  });
});

describe('the play-out rule', () => {
  it('starts later at the first chunk held, rather than skip, when nothing has played yet', async () => {
    const swarm = new Swarm({ live: true, startupDelayMs: 1_000 });
    swarm.addPeer('a', range(1, 5), answersAfter(10));
    swarm.scheduler.setPlayhead(0);
    swarm.scheduler.start();
    await swarm.run(1_000);
    expect(swarm.events('rebuffered')).toMatchObject([{ seq: 0, dueAt: 1_000, resume: 1, at: 1_000 }]);
    expect(swarm.scheduler.deadline(1)).toBe(2_000);
    await swarm.run(3_000);
    expect(swarm.events('played').map((event) => event.seq)).toEqual(range(1, 5));
    expect(swarm.scheduler.stats).toMatchObject({ missed: 0, rebuffered: 1 });
  });

  it('pauses at a chunk no peer has announced yet once playing, and plays it when it comes', async () => {
    const swarm = new Swarm({ live: true, startupDelayMs: 1_000 });
    swarm.addPeer('a', range(0, 2), answersAfter(10));
    swarm.scheduler.setPlayhead(0);
    swarm.scheduler.start();
    await swarm.run(2_500);
    expect(swarm.events('rebuffered')).toMatchObject([{ seq: 3, dueAt: 2_500, resume: 3 }]);
    swarm.announce('a', 3);
    await swarm.run(1_000);
    expect(swarm.events('played').map((event) => event.seq)).toEqual([0, 1, 2, 3]);
    expect(swarm.events('missed')).toEqual([]);
  });

  it('skips instead of pausing once the stream is known to have ended, and ends after its last chunk', async () => {
    const swarm = new Swarm({ live: true, startupDelayMs: 1_000 });
    swarm.addPeer('a', [0, 1, 3], answersAfter(10));
    swarm.scheduler.setPlayhead(0);
    swarm.scheduler.finish(5);
    swarm.scheduler.start();
    await swarm.run(4_000);
    expect(swarm.events('played').map((event) => event.seq)).toEqual([0, 1, 3]);
    expect(swarm.events('missed').map(({ seq, cause }) => ({ seq, cause }))).toEqual([
      { seq: 2, cause: 'never-announced' },
      { seq: 4, cause: 'never-announced' },
    ]);
    // Chunk 4 was due at 3 000 ms: the end comes with it, not a chunk later.
    expect(swarm.events('ended')).toMatchObject([{ at: 3_000 }]);
    expect(swarm.scheduler.playoutState).toBe('ended');
  });

  it('ends at once when told the end after its playhead passed it', async () => {
    const swarm = new Swarm({ live: true, startupDelayMs: 1_000 });
    swarm.addPeer('a', range(0, 3), answersAfter(10));
    swarm.scheduler.setPlayhead(0);
    swarm.scheduler.start();
    await swarm.run(2_600);
    expect(swarm.events('played').map((event) => event.seq)).toEqual(range(0, 3));
    swarm.scheduler.finish(4);
    expect(swarm.events('ended')).toHaveLength(1);
  });
});
