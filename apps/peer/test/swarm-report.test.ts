import { describe, expect, it } from 'vitest';
import type { ClientSnapshot, PeerSnapshot, ViewerStats } from '@p2pstream/peer-client';
import type { PeerServerStats, PeerUploadStats } from '@p2pstream/peer-server';
import { streamFingerprint as fingerprint } from '@p2pstream/data';
import { SwarmReporter } from '../src/swarm-report.js';

const STREAM = '0123456789abcdef'.repeat(4);

function stats(overrides: Partial<ViewerStats> = {}): ViewerStats {
  return {
    stream: STREAM,
    name: 'cam1',
    live: true,
    peers: 0,
    startupMs: 1800,
    played: 40,
    due: 41,
    skipped: 1,
    skippedByCause: { 'never-announced': 0, 'timed-out': 0, 'refused-busy': 0, 'held-back': 0, late: 1, evicted: 0 },
    continuity: 40 / 41,
    lagMs: 4500,
    bufferAheadMs: 2500,
    bytesFromPublisher: 1_000,
    bytesFromPeers: 3_000,
    duplicateBytes: 0,
    badChunks: 0,
    timeouts: 0,
    rebuffers: 0,
    bytesByPeer: {},
    ended: false,
    ...overrides,
  };
}

function peer(address: string, bytesPerSecond: number, source = false): PeerSnapshot {
  return { address, source, bytes: 0, bytesPerSecond, inFlight: 2, rttMs: 12 };
}

function uploads(peers: Array<Pick<PeerUploadStats, 'peer' | 'bytesUploaded'> & { stream?: string }>): PeerServerStats {
  return {
    connections: peers.length,
    bytesUploaded: peers.reduce((sum, p) => sum + p.bytesUploaded, 0),
    chunksServed: 0,
    rejected: { NOT_HELD: 0, OUTSIDE_WINDOW: 0, BUSY: 0, UNKNOWN_STREAM: 0 },
    heldBackForSuperSeeding: 0,
    queuedBytes: 0,
    drainBytesPerSecond: null,
    uploadWaitMs: 0,
    slots: { holders: 0, refused: 0, rotations: 0 },
    peers: peers.map((p) => ({ stream: STREAM, chunksServed: 0, queued: 0, holdsSlot: true, ...p })),
  };
}

/** A reporter over sources the test sets, on a clock the test moves. */
function reporter(initial: { snapshot: ClientSnapshot; uploads: PeerServerStats }) {
  const state = { ...initial, now: 0, started: true };
  const swarm = new SwarmReporter({
    snapshot: () => state.snapshot,
    uploads: () => state.uploads,
    players: () => 2,
    started: () => state.started,
    now: () => state.now,
    wallClock: () => 1_700_000_000_000,
  });
  return { state, swarm };
}

const window = { first: 0, chunks: [], playhead: null, edge: 0 };

describe('SwarmReporter', () => {
  it('lists each peer with its rate from it, and the rate to it from the connection its host opened', () => {
    const snapshot = { stats: stats(), peers: [peer('127.0.0.2:2050', 50_000, true), peer('127.0.0.3:2050', 30_000)], window };
    const { state, swarm } = reporter({ snapshot, uploads: uploads([{ peer: '127.0.0.3:40001', bytesUploaded: 0 }]) });
    swarm.read();
    state.now = 1000;
    state.uploads = uploads([{ peer: '127.0.0.3:40001', bytesUploaded: 20_000 }]);
    const report = swarm.read();
    expect(report.peers).toEqual([
      { address: '127.0.0.2:2050', source: true, fromBytesPerSecond: 50_000, toBytesPerSecond: null, inFlight: 2 },
      { address: '127.0.0.3:2050', source: false, fromBytesPerSecond: 30_000, toBytesPerSecond: 20_000, inFlight: 2 },
    ]);
    expect(report.quality).toMatchObject({ downloadBytesPerSecond: 80_000, uploadBytesPerSecond: 20_000, bytesUploaded: 20_000 });
  });

  it('lists a peer that only fetches from this one by its socket address, and never guesses between two peers on one host', () => {
    const snapshot = { stats: stats(), peers: [peer('127.0.0.5:2050', 1_000), peer('127.0.0.5:2051', 1_000)], window };
    const { swarm } = reporter({
      snapshot,
      uploads: uploads([
        { peer: '127.0.0.5:40001', bytesUploaded: 0 },
        { peer: '127.0.0.9:40002', bytesUploaded: 0 },
        { peer: '127.0.0.7:40003', bytesUploaded: 0, stream: 'ff'.repeat(32) },
      ]),
    });
    const report = swarm.read();
    expect(report.peers.map((p) => [p.address, p.fromBytesPerSecond === null, p.toBytesPerSecond === null])).toEqual([
      ['127.0.0.5:2050', false, true],
      ['127.0.0.5:2051', false, true],
      ['127.0.0.5:40001', true, false],
      ['127.0.0.9:40002', true, false],
    ]);
  });

  it('gives the quality numbers: the share of bytes from peers, the key fingerprint, the state', () => {
    const { state, swarm } = reporter({ snapshot: { stats: stats(), peers: [], window }, uploads: uploads([]) });
    expect(swarm.read()).toMatchObject({
      name: 'cam1',
      stream: STREAM,
      fingerprint: '0123 4567 89ab cdef',
      state: 'playing',
      live: true,
      players: 2,
      time: 1_700_000_000_000,
      quality: { startupMs: 1800, continuity: 40 / 41, skipped: 1, lagMs: 4500, fromPeersShare: 0.75 },
    });
    state.snapshot = { stats: stats({ bytesFromPeers: 0, bytesFromPublisher: 0, ended: true }), peers: [], window };
    expect(swarm.read()).toMatchObject({ state: 'ended', quality: { fromPeersShare: null } });
    state.started = false;
    expect(swarm.read().state).toBe('looking-up');
  });
});

describe('fingerprint', () => {
  it('is the first 16 hex digits in groups of four, and empty before the stream is known', () => {
    expect(fingerprint(STREAM)).toBe('0123 4567 89ab cdef');
    expect(fingerprint('')).toBe('');
  });
});
