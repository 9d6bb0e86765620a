import { peerKey, type PeerRecord } from './registry.js';

/**
 * Candidates for a look-up out of a stream's live entries: all of them when
 * they fit in `max`; otherwise the half with the highest edges plus a random
 * pick of the others, so a huge stream costs a bounded reply-building step.
 */
export function pickCandidates<P extends PeerRecord>(entries: readonly P[], max: number, random: () => number): P[] {
  if (entries.length <= max) return [...entries];
  const byEdge = [...entries].sort((a, b) => b.edge - a.edge);
  const top = Math.ceil(max / 2);
  const rest = byEdge.slice(top);
  shuffleFirst(rest, max - top, random);
  return [...byEdge.slice(0, top), ...rest.slice(0, max - top)];
}

export interface SampleOptions {
  /** Entries never returned, as `peerKey` strings: the asker's own. */
  exclude: ReadonlySet<string>;
  /** Entries within this many chunks of the highest edge among the candidates come first. */
  nearEdge: number;
  random: () => number;
}

/**
 * Up to `count` peers for a look-up: a random sample of the candidates, those
 * near the live edge first (each group in random order), never an excluded one.
 */
export function samplePeers(candidates: readonly PeerRecord[], count: number, options: SampleOptions): PeerRecord[] {
  const seen = new Set<string>();
  const allowed: PeerRecord[] = [];
  for (const candidate of candidates) {
    const key = peerKey(candidate);
    if (options.exclude.has(key) || seen.has(key)) continue;
    seen.add(key);
    allowed.push(candidate);
  }
  const newest = allowed.reduce((max, peer) => Math.max(max, peer.edge), 0);
  const near = allowed.filter((peer) => peer.edge >= newest - options.nearEdge);
  const far = allowed.filter((peer) => peer.edge < newest - options.nearEdge);
  shuffleFirst(near, count, options.random);
  const picked = near.slice(0, count);
  if (picked.length < count) {
    shuffleFirst(far, count - picked.length, options.random);
    picked.push(...far.slice(0, count - picked.length));
  }
  return picked.map(({ host, port, edge }) => ({ host, port, edge }));
}

/** Puts a uniform random choice of `count` items first (a partial Fisher–Yates shuffle). */
function shuffleFirst<T>(items: T[], count: number, random: () => number): void {
  const n = Math.min(count, items.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (items.length - i));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}
