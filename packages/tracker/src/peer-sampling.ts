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
  /** Entries never returned, as `peerKey` strings: the asker's own. */
  exclude: ReadonlySet<string>;
  /** Entries within this many chunks of the highest edge among the candidates come first. */
  nearEdge: number;
  random: () => number;
}

/**
 * Up to `count` peers for a look-up, never an excluded one: the source's
 * entries first, then the longest-announced (a quarter of `count`), then a
 * random sample of the others, those near the live edge first.
 */
export function samplePeers(candidates: readonly Candidate[], count: number, options: SampleOptions): PeerRecord[] {
  const seen = new Set<string>();
  const allowed: Candidate[] = [];
  for (const candidate of candidates) {
    const key = peerKey(candidate);
    if (options.exclude.has(key) || seen.has(key)) continue;
    seen.add(key);
    allowed.push(candidate);
  }
  const sources = allowed.filter((peer) => peer.source).slice(0, count);
  const others = allowed.filter((peer) => !peer.source).sort((a, b) => a.since - b.since);
  const longLived = others.splice(0, Math.min(count - sources.length, Math.ceil(count * LONG_LIVED_SHARE)));
  const picked = [...sources, ...longLived];
  const newest = allowed.reduce((max, peer) => Math.max(max, peer.edge), 0);
  const near = others.filter((peer) => peer.edge >= newest - options.nearEdge);
  const far = others.filter((peer) => peer.edge < newest - options.nearEdge);
  shuffleFirst(near, count - picked.length, options.random);
  picked.push(...near.slice(0, count - picked.length));
  shuffleFirst(far, count - picked.length, options.random);
  picked.push(...far.slice(0, count - picked.length));
  return picked.map(({ host, port, edge }) => ({ host, port, edge }));
}

/** Puts a uniform random choice of `count` items first (a partial Fisher–Yates shuffle). */
function shuffleFirst<T>(items: T[], count: number, random: () => number): void {
  const n = Math.min(Math.max(0, count), items.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (items.length - i));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}
