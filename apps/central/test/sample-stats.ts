import type { CentralStats } from '../src/stats.js';

/** A once-a-second reading of central as tests need one; each test overrides what it checks. */
export function sampleStats(overrides: Partial<CentralStats> = {}): CentralStats {
  return {
    time: '2026-01-01T00:00:00.000Z',
    uptimeSeconds: 12,
    registry: 'memory',
    registryAvailable: true,
    connections: 3,
    streams: 1,
    peers: 4,
    perSecond: { announces: 2.5, lookups: 1, publishes: 0, lists: 0, leaves: 0 },
    totals: { publish: 1, announce: 30, lookup: 12, list: 0, leave: 0, restored: 0, refused: {} },
    signals: { relayed: 0, relayedAcross: 0, receivedAcross: 0, refused: {} },
    dialBacks: { reachable: 0, unreachable: 0, busy: 0 },
    browsers: { viewers: 0, continuity: null, lagMs: null, bytesFromPeers: 0, bytesFromPublisher: 0, bytesUploaded: 0, peerShare: null },
    reports: { accepted: 0, refused: {} },
    memory: { rssBytes: 1, heapUsedBytes: 1 },
    ...overrides,
  };
}
