import { describe, expect, it } from 'vitest';
import { ChunkRefusedError, random, rarestFirst, sequential, type Strategy } from '../src/index.js';
import { seededRandom } from '@p2pstream/units';
import { integerBetween } from '../../../tools/testing/index.js';
import { range, Swarm, type Behaviour, type FetchCall } from './sim.js';

/**
 * Property tests: random swarms (peer count, who holds what and when, how each peer answers,
 * limits, strategy), each replayed exactly from its seed. Every fetch call is checked.
 */

const CASES = 40;
const CHUNK_MS = 500;
const CHUNKS = 40;
const STRATEGIES: Record<string, () => Strategy> = { 'rarest-first': rarestFirst, sequential, random };

interface Case {
  seed: number;
  strategy: string;
  maxInFlight: number;
  maxInFlightPerPeer: number;
  swarm: Swarm;
}

/** A peer's random character: how fast, how often it fails, refuses or goes silent. */
function randomBehaviour(peer: string, next: () => number): Behaviour {
  const delay = integerBetween(next, 5, 600);
  const silentShare = next() < 0.2 ? 1 : next() * 0.1;
  const failShare = next() * 0.2;
  const busyShare = next() * 0.2;
  const notHeldShare = next() * 0.1;
  return ({ seq }) => {
    const roll = next();
    if (roll < silentShare) return 'never';
    const after = integerBetween(next, 1, 2 * delay);
    if (roll < silentShare + failShare) return { after, error: new Error('connection reset') };
    if (roll < silentShare + failShare + busyShare) return { after, error: new ChunkRefusedError(peer, seq, 'busy') };
    if (roll < silentShare + failShare + busyShare + notHeldShare) return { after, error: new ChunkRefusedError(peer, seq, 'not-held') };
    return { after };
  };
}

/** Builds and runs one random live swarm: chunks cut every 500 ms, announced by random peers after random delays. */
async function runCase(seed: number): Promise<Case> {
  const next = seededRandom(seed);
  const strategy = Object.keys(STRATEGIES)[integerBetween(next, 0, 2)]!;
  const maxInFlight = integerBetween(next, 1, 12);
  const maxInFlightPerPeer = integerBetween(next, 1, 5);
  const swarm = new Swarm({
    seed,
    live: true,
    strategy: STRATEGIES[strategy]!(),
    maxInFlight,
    maxInFlightPerPeer,
    startupDelayMs: integerBetween(next, 0, 4_000),
  });
  const peers = range(0, integerBetween(next, 1, 8)).map((i) => `p${i}`);
  const share = new Map(peers.map((peer) => [peer, 0.2 + 0.8 * next()]));
  for (const peer of peers) {
    const held = range(0, 5).filter(() => next() < share.get(peer)!);
    swarm.addPeer(peer, held, randomBehaviour(peer, next));
  }
  for (const seq of range(6, CHUNKS - 1)) {
    for (const peer of peers) {
      if (next() >= share.get(peer)!) continue;
      // Peers further from the source announce later.
      swarm.clock.setTimeout(() => swarm.announce(peer, seq), (seq - 5) * CHUNK_MS + integerBetween(next, 0, 3_000));
    }
  }
  // Now and then a peer leaves.
  if (next() < 0.3) swarm.clock.setTimeout(() => swarm.removePeer(peers[0]!), integerBetween(next, 1_000, 15_000));
  if (next() < 0.5) swarm.scheduler.setPlayhead(0);
  swarm.scheduler.start();
  for (let step = 0; step < 40; step++) {
    await swarm.run(integerBetween(next, 50, 1_000));
    const stats = swarm.scheduler.stats;
    expect(stats.inFlight, `seed ${seed}`).toBeLessThanOrEqual(maxInFlight);
    for (const peer of peers) expect(swarm.scheduler.peerInfo(peer)?.inFlight ?? 0, `seed ${seed} ${peer}`).toBeLessThanOrEqual(maxInFlightPerPeer);
  }
  swarm.scheduler.close();
  return { seed, strategy, maxInFlight, maxInFlightPerPeer, swarm };
}

const cases: Promise<Case[]> = (async () => {
  const all: Case[] = [];
  for (let seed = 1; seed <= CASES; seed++) all.push(await runCase(seed));
  return all;
})();

const describeCall = (call: FetchCall) => `${call.seq}@${call.peer} at ${call.at}`;

// The first test to await `cases` waits for every simulated swarm (3-5 s alone, over 5 s on a loaded machine).
describe('invariants over random swarms', { timeout: 30_000 }, () => {
  it('never has more requests in flight than maxInFlight in all, or maxInFlightPerPeer to one peer', async () => {
    let reachedGlobal = 0;
    let reachedPerPeer = 0;
    for (const { seed, strategy, maxInFlight, maxInFlightPerPeer, swarm } of await cases) {
      for (const call of swarm.calls) {
        expect(call.inFlight, `seed ${seed} (${strategy}): ${describeCall(call)}`).toBeLessThanOrEqual(maxInFlight);
        expect(call.inFlightToPeer, `seed ${seed} (${strategy}): ${describeCall(call)}`).toBeLessThanOrEqual(maxInFlightPerPeer);
      }
      if (swarm.calls.some((call) => call.inFlight === maxInFlight)) reachedGlobal += 1;
      if (swarm.calls.some((call) => call.inFlightToPeer === maxInFlightPerPeer)) reachedPerPeer += 1;
    }
    // The limits must actually have been pressed against, or the property proves nothing.
    expect(reachedGlobal).toBeGreaterThan(CASES / 4);
    expect(reachedPerPeer).toBeGreaterThan(CASES / 4);
  });

  it('never asks a peer for a chunk it has not announced (or took back by refusing it)', async () => {
    let calls = 0;
    let refusedNotHeld = 0;
    for (const { seed, strategy, swarm } of await cases) {
      for (const call of swarm.calls) expect(call.announced, `seed ${seed} (${strategy}): ${describeCall(call)}`).toBe(true);
      calls += swarm.calls.length;
      refusedNotHeld += swarm.events('failed').filter((event) => event.error instanceof ChunkRefusedError && event.error.reason === 'not-held').length;
    }
    expect(calls).toBeGreaterThan(CASES * 20);
    expect(refusedNotHeld).toBeGreaterThan(0);
  });

  it('never asks one peer twice at once for the same chunk, nor more than two peers', async () => {
    for (const { seed, strategy, swarm } of await cases) {
      for (const call of swarm.calls) {
        const overlapping = swarm.calls.filter((other) => other.seq === call.seq && other.at <= call.at && (other.settled?.at ?? Infinity) > call.at);
        expect(overlapping.filter((other) => other.peer === call.peer), `seed ${seed} (${strategy}): ${describeCall(call)}`).toHaveLength(1);
        expect(overlapping.length, `seed ${seed} (${strategy}): ${describeCall(call)}`).toBeLessThanOrEqual(2);
      }
    }
  });

  it('gets no illegal pick from any built-in strategy, and plays or misses each chunk once, in order', async () => {
    for (const { seed, strategy, swarm } of await cases) {
      expect(swarm.events('error'), `seed ${seed} (${strategy})`).toEqual([]);
      const passed = [...swarm.events('played'), ...swarm.events('missed')].sort((a, b) => a.order - b.order).map((event) => event.seq);
      expect(passed.length, `seed ${seed} (${strategy})`).toBeGreaterThan(0);
      expect(passed, `seed ${seed} (${strategy})`).toEqual(range(passed[0]!, passed[0]! + passed.length - 1));
      for (const event of swarm.events('played')) expect(swarm.events('delivered').some((delivered) => delivered.seq === event.seq)).toBe(true);
    }
  });
});
