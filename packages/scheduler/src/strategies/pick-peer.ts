import type { SchedulerView } from '../strategy.js';

/** The askable peer expected to deliver soonest, and when; ties (peers not measured yet) broken at random. */
export function fastestPeer(view: SchedulerView, peers: readonly string[], weight?: (peer: string) => number): { peer: string; at: number } | undefined {
  let best: string | undefined;
  let bestMs = Infinity;
  let bestRaw = Infinity;
  let ties = 0;
  for (const peer of peers) {
    const raw = view.expectedMs(peer);
    const ms = weight ? raw * weight(peer) : raw;
    if (ms < bestMs) {
      best = peer;
      bestMs = ms;
      bestRaw = raw;
      ties = 1;
    } else if (ms === bestMs && view.random() * ++ties < 1) {
      best = peer;
      bestRaw = raw;
    }
  }
  return best === undefined ? undefined : { peer: best, at: view.now + bestRaw };
}

/** Any askable peer, uniformly. */
export function anyPeer(view: SchedulerView, peers: readonly string[]): string | undefined {
  return peers.length === 0 ? undefined : peers[Math.floor(view.random() * peers.length)];
}
