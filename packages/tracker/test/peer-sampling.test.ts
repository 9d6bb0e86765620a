import { describe, expect, it } from 'vitest';
import { pickCandidates, samplePeers } from '../src/peer-sampling.js';
import { peerKey, type Candidate } from '../src/registry.js';
import { seededRandom } from '@p2pstream/units';

/** `n` viewers' entries, announced one after another (entry 0 longest). */
const peers = (n: number, edge: (i: number) => number = () => 0): Candidate[] =>
  Array.from({ length: n }, (_, i) => ({ host: `127.0.${i >> 8}.${i & 255}`, port: 2050, edge: edge(i), source: false, since: i }));

describe('samplePeers', () => {
  it('returns distinct peers, at most the count, never an excluded one', () => {
    const all = peers(30);
    const exclude = new Set([peerKey(all[0]!), peerKey(all[1]!)]);
    const picked = samplePeers([...all, ...all], 50, { isExcluded: (peer) => exclude.has(peerKey(peer)), nearEdge: 10, random: seededRandom(3) });
    expect(picked).toHaveLength(28);
    expect(new Set(picked.map(peerKey)).size).toBe(28);
    expect(picked.some((p) => exclude.has(peerKey(p)))).toBe(false);
  });

  it('samples at random: different seeds give different choices, each peer chosen over many look-ups', () => {
    const all = peers(40);
    const counts = new Map<string, number>();
    const random = seededRandom(11);
    for (let i = 0; i < 200; i++) {
      for (const p of samplePeers(all, 5, { isExcluded: () => false, nearEdge: 10, random })) counts.set(peerKey(p), (counts.get(peerKey(p)) ?? 0) + 1);
    }
    expect(counts.size).toBe(40);
  });

  it('puts every peer near the newest edge before any peer behind it', () => {
    const all = peers(20, (i) => (i < 5 ? 500 + i : 100));
    const picked = samplePeers(all, 8, { isExcluded: () => false, nearEdge: 20, random: seededRandom(5) });
    expect(picked.slice(0, 5).map((p) => p.edge).sort()).toEqual([500, 501, 502, 503, 504]);
    expect(picked.slice(5).every((p) => p.edge === 100)).toBe(true);
  });
});

describe('samplePeers with what dial-backs found', () => {
  const withReach = (all: Candidate[], reach: (i: number) => boolean | undefined): Candidate[] =>
    all.map((peer, i) => {
      const reachable = reach(i);
      return reachable === undefined ? peer : { ...peer, reachable };
    });

  it('lists the source, then the peers central reached, then those not tried, then those it could not reach', () => {
    const source = { host: '127.0.9.9', port: 2049, edge: 0, source: true, since: 50 };
    const all = withReach(peers(12), (i) => (i % 3 === 0 ? false : i % 3 === 1 ? true : undefined));
    for (let seed = 1; seed <= 10; seed++) {
      const picked = samplePeers([...all, source], 13, { isExcluded: () => false, nearEdge: 10, random: seededRandom(seed) });
      expect(picked).toHaveLength(13);
      expect(picked[0]).toEqual({ host: '127.0.9.9', port: 2049, edge: 0 });
      expect(picked.slice(1).map((p) => p.reachable)).toEqual([...Array(4).fill(true), ...Array(4).fill(undefined), ...Array(4).fill(false)]);
    }
  });

  it('fills a short answer with reachable peers before unreachable ones, beyond the longest-announced quarter', () => {
    // Entries 0-3 are the longest-announced and unreachable; 4-19 are fresh, and the odd ones reachable.
    const all = withReach(peers(20), (i) => (i < 4 ? false : i % 2 === 1 ? true : undefined));
    for (let seed = 1; seed <= 10; seed++) {
      const picked = samplePeers(all, 8, { isExcluded: () => false, nearEdge: 10, random: seededRandom(seed) });
      // Two (a quarter of 8) stay the longest-announced whatever their reachability: that share resists an eclipse.
      expect(picked.filter((p) => p.reachable === false).map((p) => p.host)).toEqual(['127.0.0.0', '127.0.0.1']);
      expect(picked.slice(0, 6).every((p) => p.reachable === true)).toBe(true);
    }
  });
});

describe('samplePeers against an eclipse', () => {
  it('answers with the source and the longest-announced peers however many fresh entries sit at the edge', () => {
    const honest = peers(6, () => 100);
    const source = { host: '127.0.9.9', port: 2049, edge: 100, source: true, since: 50 };
    const fresh = Array.from({ length: 500 }, (_, i) => ({ host: `10.0.${i >> 8}.${i & 255}`, port: 2050, edge: 100, source: false, since: 1_000 + i }));
    for (let seed = 1; seed <= 20; seed++) {
      const picked = samplePeers([...fresh, ...honest, source], 10, { isExcluded: () => false, nearEdge: 20, random: seededRandom(seed) });
      expect(picked).toHaveLength(10);
      expect(picked[0]).toEqual({ host: '127.0.9.9', port: 2049, edge: 100 });
      // A quarter of the answer (3 of 10) is the longest-announced viewers.
      expect(picked.slice(1, 4).map((p) => p.host)).toEqual(['127.0.0.0', '127.0.0.1', '127.0.0.2']);
    }
  });
});

describe('pickCandidates', () => {
  it('keeps every entry when they fit; otherwise the sources, the longest-announced quarter, the highest-edge half and random others', () => {
    const all = peers(100, (i) => i);
    expect(pickCandidates(all.slice(0, 10), 10, seededRandom(1))).toHaveLength(10);
    const source = { host: '127.0.9.9', port: 2049, edge: 50, source: true, since: 500 };
    const picked = pickCandidates([...all, source], 10, seededRandom(1));
    expect(picked).toHaveLength(10);
    expect(picked[0]).toBe(source);
    expect(picked.slice(1, 4).map((p) => p.since)).toEqual([0, 1, 2]);
    expect(picked.slice(4, 9).map((p) => p.edge)).toEqual([99, 98, 97, 96, 95]);
    expect(picked[9]!.edge).toBeLessThan(95);
  });
});
