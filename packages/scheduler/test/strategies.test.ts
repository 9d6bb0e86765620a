import { describe, expect, it } from 'vitest';
import { random, sequential, type Strategy } from '../src/index.js';
import { InvalidPickError } from '../src/errors.js';
import { answersAfter, neverAnswers, range, Swarm } from './sim.js';

/** Chunk c is held by 8 - c peers, so rarest-first would ask for 7 first and 0 last. */
function skewedSwarm(strategy: Strategy, seed = 1): Swarm {
  const swarm = new Swarm({ live: false, startupDelayMs: 30_000, strategy, seed, maxInFlight: 1 });
  for (let peer = 0; peer < 8; peer++) swarm.addPeer(`p${peer}`, range(0, 7 - peer), answersAfter(20));
  return swarm;
}

describe('sequential', () => {
  it('asks for the lowest-numbered wanted chunk first, whatever its rarity', async () => {
    const swarm = skewedSwarm(sequential());
    expect(swarm.scheduler.strategy).toBe('sequential');
    swarm.scheduler.start();
    await swarm.run(1_000);
    expect(swarm.requestedSeqs()).toEqual(range(0, 7));
  });

  it('never asks a second peer, even for a chunk about to be missed', async () => {
    const swarm = new Swarm({ live: true, startupDelayMs: 1_000, strategy: sequential() });
    for (const peer of ['a', 'b', 'c']) swarm.addPeer(peer, range(0, 5), neverAnswers);
    swarm.scheduler.setPlayhead(0);
    swarm.scheduler.start();
    await swarm.run(5_000);
    expect(swarm.events('requested').some((event) => event.duplicate)).toBe(false);
    expect(swarm.events('cancelled').some((event) => event.reason === 'rerouted')).toBe(false);
  });
});

describe('random', () => {
  it('asks for the wanted chunks in an order drawn from the seeded source, whatever their rarity', async () => {
    const orders: number[][] = [];
    for (const seed of [1, 2, 3]) {
      const swarm = skewedSwarm(random(), seed);
      expect(swarm.scheduler.strategy).toBe('random');
      swarm.scheduler.start();
      await swarm.run(1_000);
      orders.push(swarm.requestedSeqs());
    }
    for (const order of orders) expect([...order].sort()).toEqual(range(0, 7));
    // Neither sequential nor rarest-first, and different for each seed.
    expect(orders.some((order) => order.join() === range(0, 7).join())).toBe(false);
    expect(orders.some((order) => order.join() === range(0, 7).reverse().join())).toBe(false);
    expect(new Set(orders.map((order) => order.join())).size).toBe(3);
  });

  it('makes the same decisions again from the same seed', async () => {
    const run = async () => {
      const swarm = skewedSwarm(random(), 7);
      swarm.scheduler.start();
      await swarm.run(1_000);
      return swarm.calls.map((call) => `${call.seq}@${call.peer}`);
    };
    expect(await run()).toEqual(await run());
  });
});

describe('a custom strategy', () => {
  it('is consulted through the Strategy interface and its picks are made', async () => {
    const newestFirst: Strategy = {
      name: 'newest-first',
      next(view) {
        const candidates = view.candidates();
        for (let i = candidates.length - 1; i >= 0; i--) {
          const peer = view.askable(candidates[i]!)[0];
          if (peer !== undefined) return { seq: candidates[i]!, peer };
        }
        return undefined;
      },
    };
    const swarm = skewedSwarm(newestFirst);
    expect(swarm.scheduler.strategy).toBe('newest-first');
    swarm.scheduler.start();
    await swarm.run(1_000);
    expect(swarm.requestedSeqs()).toEqual(range(0, 7).reverse());
  });

  it('gets an error event, not a request, for a pick the scheduler will not make', async () => {
    // p7 holds chunk 0 only.
    const liar: Strategy = { name: 'liar', next: () => ({ seq: 7, peer: 'p7' }) };
    const swarm = skewedSwarm(liar);
    swarm.scheduler.start();
    await swarm.run(100);
    expect(swarm.calls).toEqual([]);
    const [error] = swarm.events('error');
    expect(error).toBeInstanceOf(InvalidPickError);
    expect(error).toMatchObject({ code: 'INVALID_PICK' });
    expect(error!.message).toMatch(/has not announced it/);
  });

  it('gets an error event when it throws, and the scheduler carries on', async () => {
    let calls = 0;
    const flaky: Strategy = {
      name: 'flaky',
      next: (view) => {
        if (calls++ === 0) throw new Error('oops');
        const seq = view.candidates()[0];
        return seq === undefined ? undefined : { seq, peer: view.askable(seq)[0]! };
      },
    };
    const swarm = skewedSwarm(flaky);
    swarm.scheduler.start();
    await swarm.run(0);
    expect(swarm.events('error')).toMatchObject([{ code: 'INVALID_PICK' }]);
    expect(swarm.events('error')[0]!.message).toMatch(/flaky threw: Error: oops/);
    // The next round (a peer was added) works.
    swarm.addPeer('late', [0], answersAfter(10));
    await swarm.run(1_000);
    expect(swarm.events('delivered').length).toBeGreaterThan(0);
  });
});
