import { describe, expect, it } from 'vitest';
import { rarestFirst } from '../src/index.js';
import { answersAfter, neverAnswers, range, Swarm } from './sim.js';

/** Nothing is urgent for the first 30 s, so only rarity decides. */
const RELAXED = { live: false, startupDelayMs: 30_000 } as const;

describe('rarest-first', () => {
  it('is the default strategy', () => {
    expect(new Swarm().scheduler.strategy).toBe('rarest-first');
  });

  it('asks for the chunk the fewest peers hold first', async () => {
    const swarm = new Swarm(RELAXED);
    // Chunk c is held by the first 5 - c peers: chunk 0 by all five, chunk 4 by p0 alone.
    for (let peer = 0; peer < 5; peer++) swarm.addPeer(`p${peer}`, range(0, 4 - peer), answersAfter(100));
    swarm.scheduler.start();
    await swarm.run(0);
    expect(swarm.requestedSeqs()).toEqual([4, 3, 2, 1, 0]);
    // Every request went to a peer that holds the chunk, chunk 4 to its only holder.
    expect(swarm.calls.every((call) => call.announced)).toBe(true);
    expect(swarm.calls[0]!.peer).toBe('p0');
  });

  it('follows rarity as peers announce chunks: a chunk that became common waits behind the rarer ones', async () => {
    const swarm = new Swarm({ ...RELAXED, maxInFlight: 1 });
    // Chunks 0–2 are held by three peers, 3–4 by two, 5–9 by one.
    swarm.addPeer('a', range(0, 9), answersAfter(100));
    swarm.addPeer('b', range(0, 4), answersAfter(100));
    swarm.addPeer('c', range(0, 2), answersAfter(100));
    swarm.scheduler.start();
    await swarm.run(50);
    const first = swarm.requestedSeqs()[0]!;
    expect(first).toBeGreaterThanOrEqual(5);
    // While the first request is out, b and c get the rest of 5–9: those are now held by three.
    for (const seq of range(5, 9)) if (seq !== first) for (const peer of ['b', 'c']) swarm.announce(peer, seq);
    await swarm.run(1_000);
    expect(swarm.requestedSeqs().slice(1, 3).sort()).toEqual([3, 4]);
    expect(swarm.requestedSeqs().slice(3).sort((x, y) => x - y)).toEqual(range(0, 9).filter((seq) => seq !== first && seq !== 3 && seq !== 4));
  });

  it('breaks ties between equally rare chunks at random, from the seeded source', async () => {
    const orders = new Set<string>();
    for (let seed = 1; seed <= 6; seed++) {
      const swarm = new Swarm({ ...RELAXED, seed });
      // Even chunks are held by one peer, odd ones by two.
      swarm.addPeer('a', range(0, 5), answersAfter(100));
      swarm.addPeer('b', [1, 3, 5], answersAfter(100));
      swarm.scheduler.start();
      await swarm.run(0);
      const order = swarm.requestedSeqs();
      expect(order.slice(0, 3).sort()).toEqual([0, 2, 4]);
      expect(order.slice(3).sort()).toEqual([1, 3, 5]);
      orders.add(order.join());
    }
    expect(orders.size).toBeGreaterThan(1);
  });

  it('asks for a finished stream in order from the playhead when one peer holds it all: rarity cannot tell its chunks apart', async () => {
    for (let seed = 1; seed <= 3; seed++) {
      const swarm = new Swarm({ ...RELAXED, seed, maxInFlight: 3 });
      swarm.addPeer('publisher', range(0, 39), answersAfter(100));
      swarm.scheduler.setPlayhead(10);
      swarm.scheduler.start();
      await swarm.run(1_000);
      expect(swarm.requestedSeqs()).toEqual(range(10, 39));
    }
  });

  it('draws a finished stream’s equally rare chunks at random again once a second peer is known', async () => {
    const swarm = new Swarm({ ...RELAXED, seed: 1, maxInFlight: 1 });
    swarm.addPeer('publisher', range(0, 39), answersAfter(100));
    swarm.addPeer('viewer', [], answersAfter(100));
    swarm.scheduler.start();
    await swarm.run(10_000);
    expect([...swarm.requestedSeqs()].sort((x, y) => x - y)).toEqual(range(0, 39));
    expect(swarm.requestedSeqs()).not.toEqual(range(0, 39));
  });

  it('replays the same decisions from the same seed', async () => {
    const decisions = async () => {
      const swarm = new Swarm({ ...RELAXED, seed: 42 });
      for (const peer of ['a', 'b', 'c']) swarm.addPeer(peer, range(0, 11), answersAfter(100));
      swarm.scheduler.start();
      await swarm.run(2_000);
      return swarm.calls.map(({ peer, seq, at }) => `${at}:${seq}@${peer}`);
    };
    const first = await decisions();
    expect(first.length).toBe(12);
    expect(await decisions()).toEqual(first);
  });

  it('asks for urgent chunks, earliest deadline first, before rare ones', async () => {
    // Chunks are due 1 s after start and then every 500 ms: 0–4 fall inside the 3 s urgent window.
    const swarm = new Swarm({ live: false, startupDelayMs: 1_000 });
    for (const peer of ['a', 'b', 'c', 'd', 'e']) swarm.addPeer(peer, range(0, 4), answersAfter(100));
    // Chunks 5–9 are each held by a single peer: rarer than anything urgent.
    for (const [i, peer] of ['a', 'b', 'c', 'd', 'e'].entries()) swarm.announce(peer, 5 + i);
    swarm.scheduler.start();
    await swarm.run(0);
    const requested = swarm.events('requested');
    expect(requested.slice(0, 5).map((event) => event.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(requested.slice(0, 5).every((event) => event.urgent)).toBe(true);
    // Nobody is measured yet, so the chunks due within duplicateLeadMs (0 and 1) also get a
    // second peer at once; the rare chunks come after every urgent request all the same.
    const urgent = requested.filter((event) => event.seq <= 4);
    const rare = requested.filter((event) => event.seq >= 5);
    expect(rare.map((event) => event.seq).sort()).toEqual([5, 6, 7, 8, 9]);
    expect(Math.max(...urgent.map((event) => event.order))).toBeLessThan(Math.min(...rare.map((event) => event.order)));
    expect(rare.some((event) => event.urgent)).toBe(false);
  });

  it('puts the same rare chunks first when nothing is urgent', async () => {
    // The control for the test above: the same swarm with a long startup delay.
    const swarm = new Swarm({ live: false, startupDelayMs: 30_000 });
    for (const peer of ['a', 'b', 'c', 'd', 'e']) swarm.addPeer(peer, range(0, 4), answersAfter(100));
    for (const [i, peer] of ['a', 'b', 'c', 'd', 'e'].entries()) swarm.announce(peer, 5 + i);
    swarm.scheduler.start();
    await swarm.run(0);
    expect(swarm.requestedSeqs().slice(0, 5).sort()).toEqual([5, 6, 7, 8, 9]);
  });

  it('asks the peer measured to deliver soonest', async () => {
    const swarm = new Swarm({ ...RELAXED, maxInFlightPerPeer: 1 });
    swarm.addPeer('slow', [0, 1], answersAfter(400));
    swarm.addPeer('fast', [0, 1], answersAfter(40));
    swarm.scheduler.start();
    // Neither is measured yet: each gets one of the first two chunks.
    await swarm.run(1_000);
    expect(swarm.calls.map((call) => call.peer).sort()).toEqual(['fast', 'slow']);
    // Both are free and both announce the next chunks: the fast one is asked each time.
    for (const seq of [2, 3, 4]) {
      swarm.announce('slow', seq);
      swarm.announce('fast', seq);
      await swarm.run(500);
    }
    expect(swarm.calls.slice(2).map((call) => `${call.seq}@${call.peer}`)).toEqual(['2@fast', '3@fast', '4@fast']);
  });

  it('tries a peer not measured yet for a chunk near its deadline, even when the only peer measured is slow', async () => {
    // A live source slowed by its upload cap (2.5 s a request) is the only peer measured when a
    // relay joins with chunk 4, due 2 s later. Judged as slow as the source, the relay would never
    // be asked, so never measured, and chunk 4 would be skipped though the relay could send it at once.
    const swarm = new Swarm({ live: true, startupDelayMs: 3_000 });
    swarm.addPeer('source', [0, 1, 2, 3], answersAfter(2_500));
    swarm.scheduler.setPlayhead(0);
    swarm.scheduler.start();
    await swarm.run(3_000);
    swarm.addPeer('relay', [4], answersAfter(50));
    await swarm.run(2_100);
    expect(swarm.events('missed')).toEqual([]);
    expect(swarm.events('played').map((event) => event.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(swarm.events('delivered').find((event) => event.seq === 4)).toMatchObject({ peer: 'relay', at: 3_050 });
  });

  it('moves a request stuck on a silent peer to a faster one long before it times out', async () => {
    // Nothing is urgent (so no second requests): only rerouting can rescue the stuck requests.
    // The first map added makes its peer look upstream (it announced everything first), and an
    // upstream peer is not asked for chunks others hold: no peer is taken for upstream here.
    const swarm = new Swarm({ ...RELAXED, initialTimeoutMs: 5_000, strategy: rarestFirst({ upstreamThreshold: 2 }) });
    swarm.addPeer('silent', range(0, 39), neverAnswers);
    swarm.addPeer('fast', range(0, 39), answersAfter(50));
    swarm.scheduler.start();
    // Stuck requests are looked at again whenever the scheduler decides (here, at each delivery).
    await swarm.run(1_000);
    const rerouted = swarm.events('cancelled').filter((event) => event.reason === 'rerouted');
    expect(rerouted.length).toBeGreaterThan(0);
    expect(rerouted.every((event) => event.peer === 'silent' && event.at < 5_000)).toBe(true);
    // Nothing waited for the 5 s initial timeout: all 40 chunks came from the fast peer within 1 s.
    expect(swarm.callsTo('silent').every((call) => call.settled?.outcome === 'aborted')).toBe(true);
    expect(swarm.events('requested').some((event) => event.duplicate)).toBe(false);
    expect(swarm.events('delivered').every((event) => event.peer === 'fast')).toBe(true);
    expect(swarm.events('delivered').map((event) => event.seq).sort((a, b) => a - b)).toEqual(range(0, 39));
  });
});

describe('upstream peers', () => {
  /**
   * A live stream through one source and seven relays: the source announces each chunk first,
   * the relays 100–220 ms later. Returns how many of chunks 20–59 (once the source is known to
   * be upstream) were asked of the source, and of anybody; `fromSource` lists those chunks.
   * `selfId`: the scheduler's own id, and `relays` its neighbours (r1–r7 unless given).
   */
  async function askedOfSource(
    promptFactor: number,
    options: { selfId?: string; relays?: string[] } = {},
  ): Promise<{ source: number; all: number; played: number[]; fromSource: number[] }> {
    const swarm = new Swarm({ live: true, startupDelayMs: 10_000, strategy: rarestFirst({ promptFactor }), selfId: options.selfId });
    const relays = options.relays ?? ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7'];
    for (const peer of ['source', ...relays]) swarm.addPeer(peer, [], answersAfter(30));
    for (const seq of range(0, 59)) {
      swarm.clock.setTimeout(() => swarm.announce('source', seq), seq * 500);
      for (const [i, relay] of relays.entries()) swarm.clock.setTimeout(() => swarm.announce(relay, seq), seq * 500 + 100 + i * 20);
    }
    swarm.scheduler.setPlayhead(0);
    swarm.scheduler.start();
    await swarm.run(39_500);
    const later = swarm.calls.filter((call) => call.seq >= 20);
    const fromSource = later.filter((call) => call.peer === 'source').map((call) => call.seq);
    return { source: fromSource.length, all: later.length, played: swarm.events('played').map((event) => event.seq), fromSource };
  }

  it('asks the source for a fresh chunk only promptFactor / n of the time, and a relay once one has it', async () => {
    // Eight peers and promptFactor 2: about a quarter of fresh chunks go to the source at once.
    const { source, all, played } = await askedOfSource(2);
    expect(played).toEqual(range(0, 59));
    expect(all).toBe(40);
    expect(source).toBeGreaterThan(0);
    expect(source).toBeLessThan(all / 2);
  });

  it('with its own id, takes turns with its neighbours: each fresh chunk is asked of the source at once by promptFactor of them, none by nobody', async () => {
    const viewers = ['v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7', 'v8'];
    const askers = new Map<number, number>();
    for (const self of viewers) {
      const { played, fromSource } = await askedOfSource(2, { selfId: self, relays: viewers.filter((viewer) => viewer !== self) });
      expect(played).toEqual(range(0, 59));
      for (const seq of fromSource) askers.set(seq, (askers.get(seq) ?? 0) + 1);
    }
    // By lots (the test above), a chunk goes to the source from 0 to 8 of them.
    expect(range(20, 59).map((seq) => askers.get(seq) ?? 0)).toEqual(range(20, 59).map(() => 2));
  });

  it('asks the source for every fresh chunk when promptFactor is at least the number of peers', async () => {
    const { source, all } = await askedOfSource(8);
    expect(source).toBe(all);
  });

  it('asks the publisher of a finished stream at once for chunks only it holds, however many peers hold nothing yet', async () => {
    // Four viewers join a finished stream at once: each sees the publisher's whole map and three peers with nothing.
    // Nobody else will get a chunk unless somebody asks the publisher, so waiting for it to spread would wait for nothing.
    const swarm = new Swarm({ live: false });
    swarm.addPeer('publisher', range(0, 199), answersAfter(20));
    for (const viewer of ['v1', 'v2', 'v3']) swarm.addPeer(viewer, [], answersAfter(20));
    swarm.scheduler.start();
    // 200 chunks, four at a time, 20 ms each: a second; the last is due 100 s after the start.
    await swarm.run(5_000);
    expect(swarm.events('delivered').map((event) => event.seq).sort((a, b) => a - b)).toEqual(range(0, 199));
  });

  it('asks the publisher at once for the chunks of its map that were held back and released later (peerHas fromMap)', async () => {
    // A viewer meets the publisher before its signed end: the map's bits are held back, then handed
    // over chunk by chunk once the end is believed. They were held when the map was sent, not news.
    const swarm = new Swarm({ live: false });
    swarm.addPeer('publisher', [], answersAfter(20));
    for (const viewer of ['v1', 'v2', 'v3']) swarm.addPeer(viewer, [], answersAfter(20));
    swarm.scheduler.start();
    await swarm.run(0);
    for (const seq of range(0, 199)) swarm.announce('publisher', seq, { fromMap: true });
    await swarm.run(5_000);
    expect(swarm.events('delivered').map((event) => event.seq).sort((a, b) => a - b)).toEqual(range(0, 199));
  });
});
