import { readFileSync } from 'node:fs';
import { dial, RemoteError, type Connection } from '@p2pstream/connection';
import { afterEach, describe, expect, it } from 'vitest';
import { holdSilentSockets } from '../../../../tools/testing/index.js';
import { continuityBetween, readViewerStats } from '../../../../tools/swarm/stats-file.js';
import { NonReadingRequesters } from './non-reading-requesters.js';
import {
  loopback,
  READY_TIMEOUT_MS,
  runFor,
  startCentral,
  startPublisher,
  startViewer,
  stopEverything,
  tempDir,
  waitForViewerStats,
  type Central,
} from './processes.js';

const BLOCK = 178;
/** How long each attack runs while the victim is judged. */
const ATTACK_MS = 25_000;
/**
 * The publisher's resident memory while 20 connections request without reading
 * stays under this (documented in peer-server's README): each such connection
 * costs at most its send buffer's high-water mark and one read's answers before
 * reads pause, not what its requests would queue.
 */
const PUBLISHER_RSS_BOUND_BYTES = 300 * 1024 * 1024;

afterEach(stopEverything, 30_000);

/** Resident memory of a process, from /proc/PID/status. */
function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** The stream id and newest edge central lists for `name`, asked from `localAddress`. */
async function listed(central: Central, name: string, localAddress: string): Promise<{ stream: string; edge: number }> {
  const [host, port] = central.address.split(':') as [string, string];
  const connection = await dial(host, Number(port), { role: 'peer', localAddress });
  try {
    const { streams } = await connection.request({ t: 'list' });
    const entry = streams.find((s) => s.name === name);
    if (!entry) throw new Error(`central does not list ${name}: ${JSON.stringify(streams)}`);
    return { stream: entry.stream, edge: entry.edge };
  } finally {
    await connection.close();
  }
}

/** Dials `host:port` from `localAddress` until admitted (refusals are retried) or `ms` pass. */
async function admittedWithin(host: string, port: number, localAddress: string, ms: number): Promise<Connection> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await dial(host, port, { role: 'peer', localAddress, signal: AbortSignal.timeout(2000) });
    } catch (error) {
      if (!(error instanceof RemoteError) || error.remoteCode !== 'TOO_MANY_CONNECTIONS' || Date.now() > deadline) throw error;
      await runFor(250);
    }
  }
}

describe('a publisher under resource attacks', { timeout: 3 * READY_TIMEOUT_MS + ATTACK_MS + 60_000 }, () => {
  it('admits a new peer, and answers its join, while two addresses hold and re-open silent sockets to it', async () => {
    const dir = tempDir();
    const central = await startCentral(BLOCK);
    const publisher = await startPublisher({ central, host: loopback(BLOCK, 2), name: 'idle', dir, realtime: true, loop: true });
    const { host, port } = publisher.peer.ready!;
    const { stream } = await listed(central, 'idle', loopback(BLOCK, 3));
    const attack = holdSilentSockets({ host, port, from: [loopback(BLOCK, 40), loopback(BLOCK, 41)], perAddress: 32, durationMs: ATTACK_MS });
    try {
      await runFor(1000);
      expect(attack.opened()).toBeGreaterThanOrEqual(64);
      const started = Date.now();
      const connection = await admittedWithin(host, port, loopback(BLOCK, 4), 5000);
      const map = await connection.request({ t: 'join', stream }, { timeout: 5000 });
      expect(map.t).toBe('map');
      expect(Date.now() - started).toBeLessThan(5000);
      await connection.close();
    } finally {
      attack.stop();
    }
  });

  it('keeps a real viewer playing, and its own memory bounded, while 20 connections request chunks and never read', async () => {
    const dir = tempDir();
    const central = await startCentral(BLOCK + 1);
    const publisher = await startPublisher({ central, host: loopback(BLOCK + 1, 2), name: 'hog', dir, realtime: true, loop: true });
    const viewer = await startViewer({ central, host: loopback(BLOCK + 1, 3), name: 'hog', dir });
    await waitForViewerStats(viewer, 'played 10 chunks', (line) => line.played >= 10, 60_000);
    const { host, port } = publisher.peer.ready!;
    const { stream, edge } = await listed(central, 'hog', loopback(BLOCK + 1, 4));
    const rssBefore = rssBytes(publisher.peer.pid);
    const before = readViewerStats(viewer.stats).at(-1)!;
    const attackers = [10, 11, 12, 13].map((host) => loopback(BLOCK + 1, host));
    const attack = new NonReadingRequesters({ host, port, stream, firstSeq: Math.max(0, edge - 20), seqCount: 80, from: attackers, perAddress: 5, durationMs: ATTACK_MS });
    let peakRss = rssBefore;
    try {
      for (let elapsed = 0; elapsed < ATTACK_MS; elapsed += 500) {
        await runFor(500);
        peakRss = Math.max(peakRss, rssBytes(publisher.peer.pid));
      }
    } finally {
      attack.stop();
    }
    const after = readViewerStats(viewer.stats).at(-1)!;
    const label = `attack wrote ${attack.requests} requests; viewer before ${JSON.stringify(before)}, after ${JSON.stringify(after)}; publisher RSS ${(rssBefore / 2 ** 20).toFixed(0)} → peak ${(peakRss / 2 ** 20).toFixed(0)} MiB`;
    console.log(label);
    expect(after.due - before.due, label).toBeGreaterThan(20);
    expect(continuityBetween(before, after), label).toBeGreaterThanOrEqual(0.99);
    expect(peakRss, label).toBeLessThan(PUBLISHER_RSS_BOUND_BYTES);
  });
});
