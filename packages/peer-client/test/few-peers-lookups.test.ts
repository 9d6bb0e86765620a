import { describe, expect, it } from 'vitest';
import { MemoryNetwork } from '@p2pstream/connection/testing';
import { ChunkWindow, generateStreamKey, SignedState, type Chunk } from '@p2pstream/data';
import { startPeerServer } from '@p2pstream/peer-server';
import type { LookupResult } from '@p2pstream/tracker-client';
import type { PeerEntry } from '@p2pstream/wire';
import { ManualClock } from '@p2pstream/units';
import { PeerPool } from '../src/peer-pool.js';
import type { ClientTracker } from '../src/tracker.js';
import { onCleanup } from '../../../tools/testing/cleanup.js';
import { SESSION, makeChunks } from './helpers.js';

// How often a viewer's pool asks central again, on a fake clock: fast while it has few
// peers in its first seconds, at the usual pace otherwise.

const RELOOKUP_MS = 3_000;
const FEW_PEERS_RELOOKUP_MS = 300;

/** `carriers` peer servers of one stream on a memory network, a stand-in central listing them, and a pool over both. */
async function pool(options: { carriers: number; fewPeersRelookupMs?: number }) {
  const clock = new ManualClock();
  const network = new MemoryNetwork({ clock });
  const key = generateStreamKey();
  const window = new ChunkWindow<Chunk>({ live: true });
  for (const chunk of makeChunks(key, 2)) window.add(chunk);
  const listed: PeerEntry[] = [];
  for (let i = 0; i < options.carriers; i++) {
    const server = await startPeerServer({ listen: false, clock });
    server.serve(key.streamId, window, { state: new SignedState(key.streamId, SESSION) });
    onCleanup(network.listen('127.0.0.1', 2050 + i, server));
    onCleanup(() => server.close());
    listed.push({ host: '127.0.0.1', port: 2050 + i, edge: 0 });
  }
  let lookups = 0;
  const tracker = {
    lookup: async () => {
      lookups += 1;
      return { peers: listed } as unknown as LookupResult;
    },
  } as unknown as ClientTracker;
  const peers = new PeerPool({
    name: 'cam1',
    tracker,
    maxPeers: 20,
    relookupMs: RELOOKUP_MS,
    fewPeersRelookupMs: options.fewPeersRelookupMs ?? FEW_PEERS_RELOOKUP_MS,
    redialBackoffMs: 10_000,
    clock,
    link: {
      streamId: key.streamId,
      session: SESSION,
      localAddress: '127.0.0.3',
      dial: network.dial,
      limits: { handshakeTimeout: 5_000 },
      clock,
      keepaliveMs: 60_000,
      fetchTimeoutMs: 30_000,
      rateWindowMs: 1_000,
    },
    onLink: () => undefined,
    onWarning: (error) => {
      throw error;
    },
  });
  onCleanup(async () => {
    const closing = peers.close();
    await clock.run(3_000);
    await closing;
  });
  peers.start(listed);
  await clock.run(0);
  return { peers, clock, lookups: () => lookups };
}

describe('PeerPool look-ups', () => {
  it('asks central every 300 ms while it has fewer than four peers, and at its usual pace after its first 10 s', async () => {
    const { peers, clock, lookups } = await pool({ carriers: 1 });
    expect(peers.links.size).toBe(1);
    await clock.run(3_000);
    expect(lookups()).toBe(10);
    await clock.run(7_000);
    const atTenSeconds = lookups();
    expect(atTenSeconds).toBeGreaterThanOrEqual(32);
    await clock.run(9_000);
    expect(lookups() - atTenSeconds).toBeLessThanOrEqual(3);
  });

  it('asks central at its usual pace once it has four peers', async () => {
    const { peers, clock, lookups } = await pool({ carriers: 4 });
    expect(peers.links.size).toBe(4);
    await clock.run(6_000);
    expect(lookups()).toBe(2);
  });

  it('asks at the usual pace with few peers when fewPeersRelookupMs is 0', async () => {
    const { clock, lookups } = await pool({ carriers: 1, fewPeersRelookupMs: 0 });
    await clock.run(6_000);
    expect(lookups()).toBe(2);
  });
});
