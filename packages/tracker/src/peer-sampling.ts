import { peerKey, type Candidate, type PeerRecord } from './registry.js';

/**
 * How a look-up resists an eclipse: however many fresh entries crowd a stream
 * (announcing the newest edge, from many addresses), every answer holds the
 * publisher's own entry and reserves a share for the entries announced
 * longest — those an attacker cannot make up without having been there. Only
 * the rest goes by edge and chance.
 */

/** The share of a look-up (and of its candidates) kept for the longest-announced entries. */
export const LONG_LIVED_SHARE = 0.25;

/**
 * Candidates for a look-up out of a stream's live entries: all of them when
 * they fit in `max`; otherwise every source entry, the longest-announced
 * quarter, half of `max` with the highest edges, and a random pick of the others, so
 * a huge stream costs a bounded reply-building step.
 */
export function pickCandidates<P extends Candidate>(entries: readonly P[], max: number, random: () => number): P[] {
  if (entries.length <= max) return [...entries];
  const picked = new Map<string, P>();
  const take = (items: readonly P[], upTo: number) => {
    for (const item of items) {
      if (picked.size >= upTo) return;
      picked.set(peerKey(item), item);
    }
  };
  take(entries.filter((entry) => entry.source), max);
  take([...entries].sort((a, b) => a.since - b.since), Math.min(max, picked.size + Math.ceil(max * LONG_LIVED_SHARE)));
  take([...entries].sort((a, b) => b.edge - a.edge), Math.min(max, picked.size + Math.ceil(max / 2)));
  const rest = entries.filter((entry) => !picked.has(peerKey(entry)));
  shuffleFirst(rest, max - picked.size, random);
  take(rest, max);
  return [...picked.values()];
}

export interface SampleOptions {
  /** Entries never returned: the asker's own. */
  isExcluded: (peer: PeerRecord) => boolean;
  /** Entries within this many chunks of the highest edge among the candidates come first. */
  nearEdge: number;
  random: () => number;
}

/** A peer a look-up answers with, and what central's dial-back found, when it knows. */
export interface SampledPeer extends PeerRecord {
  readonly reachable?: boolean;
}

/**
 * Up to `count` peers for a look-up, never an excluded one: the source's
 * entries, the longest-announced (a quarter of `count`), then a random sample
 * of the others — those central dialed back first, then those not tried yet,
 * then those it could not reach, each near the live edge first. The answer
 * lists the source's entries first and then every peer central reached, so a
 * new viewer that dials in order dials the reachable ones first.
 */
export function samplePeers(candidates: readonly Candidate[], count: number, options: SampleOptions): SampledPeer[] {
  // Central runs this on every look-up: one pass per step, no spreads (object spreads cost microseconds each here).
  const seen = new Set<string>();
  const sources: Candidate[] = [];
  const others: Candidate[] = [];
  let newest = 0;
  for (const candidate of candidates) {
    const key = peerKey(candidate);
    if (seen.has(key) || options.isExcluded(candidate)) continue;
    seen.add(key);
    if (candidate.edge > newest) newest = candidate.edge;
    if (!candidate.source) others.push(candidate);
    else if (sources.length < count) sources.push(candidate);
  }
  others.sort((a, b) => a.since - b.since);
  // The longest-announced are taken whatever their reachability: that share is what an eclipse cannot fake.
  const longLived = Math.min(count - sources.length, Math.ceil(count * LONG_LIVED_SHARE));
  const picked = others.slice(0, longLived);
  // The rest by tier (see reachabilityTier), near the edge and far from it, each in the order of `others`.
  const tiers: Candidate[][] = [[], [], [], [], [], []];
  for (let i = longLived; i < others.length; i++) {
    const peer = others[i]!;
    tiers[2 * reachabilityTier(peer) + (peer.edge >= newest - options.nearEdge ? 0 : 1)]!.push(peer);
  }
  for (let tier = 0; tier < 3; tier++) {
    const room = count - sources.length - picked.length;
    const near = tiers[2 * tier]!;
    const far = tiers[2 * tier + 1]!;
    shuffleFirst(near, room, options.random);
    shuffleFirst(far, room - Math.min(room, near.length), options.random);
    for (let i = 0; i < room && i < near.length + far.length; i++) picked.push(i < near.length ? near[i]! : far[i - near.length]!);
  }
  // A stable sort: within a tier the long-lived stay first, then the order they were sampled in.
  picked.sort((a, b) => reachabilityTier(a) - reachabilityTier(b));
  const answer: SampledPeer[] = [];
  for (const list of [sources, picked]) {
    for (const { host, port, edge, reachable } of list) answer.push(reachable === undefined ? { host, port, edge } : { host, port, edge, reachable });
  }
  return answer;
}

/** 0: central dialed the entry back; 1: not known; 2: central could not reach it. */
function reachabilityTier(peer: Candidate): number {
  return peer.reachable === undefined ? 1 : peer.reachable ? 0 : 2;
}

/** Puts a uniform random choice of `count` items first (a partial Fisher–Yates shuffle). */
function shuffleFirst<T>(items: T[], count: number, random: () => number): void {
  const n = Math.min(Math.max(0, count), items.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (items.length - i));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}
