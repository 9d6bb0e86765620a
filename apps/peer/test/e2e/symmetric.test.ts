import { afterEach, describe, expect, it } from 'vitest';
import { formatRateAsBits } from '@p2pstream/units';
import type { ViewerStatsLine } from '@p2pstream/peer-client';
import { readViewerStats } from '../../../../tools/swarm/stats-file.js';
import {
  fixtureBytesPerSecond,
  loopback,
  READY_TIMEOUT_MS,
  runFor,
  startCentral,
  startPublisher,
  startViewer,
  stopEverything,
  tempDir,
  waitForFirstChunk,
} from './processes.js';

const BLOCK = 223;
/** How long both viewers play together once the second has started. */
const PLAY_MS = 20_000;

afterEach(stopEverything, 30_000);

interface PairRun {
  /** The viewer started first, which listens (B). */
  listening: ViewerStatsLine[];
  /** The viewer started second, with the flags under test (A): it dials B. */
  dialing: ViewerStatsLine[];
  dialingHost: string;
  dialingPort: number;
}

/**
 * A publisher capped a little above the stream's rate (it cannot feed two viewers
 * alone, so they must share), a viewer B that listens, then a viewer A started with
 * `flags` once B plays: A finds B at central and dials it. Both play for PLAY_MS.
 */
async function runPair(flags: string[]): Promise<PairRun> {
  const dir = tempDir();
  const central = await startCentral(BLOCK);
  const publisher = await startPublisher({
    central,
    host: loopback(BLOCK, 2),
    name: 'both',
    dir,
    realtime: true,
    loop: true,
    uploadLimit: formatRateAsBits(1.2 * fixtureBytesPerSecond()),
  });
  const listening = await startViewer({ central, host: loopback(BLOCK, 3), name: 'both', dir });
  await waitForFirstChunk(listening);
  const dialing = await startViewer({ central, host: loopback(BLOCK, 4), name: 'both', dir, args: flags });
  await waitForFirstChunk(dialing);
  await runFor(PLAY_MS);
  await dialing.peer.stop();
  await listening.peer.stop();
  await publisher.peer.stop();
  return {
    listening: readViewerStats(listening.stats),
    dialing: readViewerStats(dialing.stats),
    dialingHost: dialing.host,
    dialingPort: dialing.peer.ready!.port,
  };
}

/** The most B took from A while linked to it, by the address B knew A under (a line lists the peers linked at its time). */
function takenFrom(lines: readonly ViewerStatsLine[], host: string): Record<string, number> {
  const taken: Record<string, number> = {};
  for (const line of lines) {
    for (const [address, bytes] of Object.entries(line.bytesByPeer)) {
      if (address.startsWith(`${host}:`)) taken[address] = Math.max(taken[address] ?? 0, bytes);
    }
  }
  return taken;
}

describe('symmetric connections between real peer processes', { timeout: 3 * READY_TIMEOUT_MS + PLAY_MS + 60_000 }, () => {
  it('a viewer that accepts no connections uploads to the viewer it dialed, over that connection', async () => {
    const run = await runPair(['--no-listen']);
    const a = run.dialing.at(-1)!;
    const fromA = takenFrom(run.listening, run.dialingHost);
    console.log(`--no-listen viewer uploaded ${a.bytesUploaded} B; the viewer it dialed took ${JSON.stringify(fromA)} from it`);
    expect(run.dialingPort, 'A listens on nothing').toBe(0);
    expect(a.bytesUploaded, JSON.stringify(a)).toBeGreaterThan(0);
    expect(Object.values(fromA).reduce((sum, bytes) => sum + bytes, 0)).toBeGreaterThan(0);
    // It served B and nobody else: the publisher never dials, and nobody could dial A.
    expect(Math.max(...run.dialing.map((line) => line.uploadPeers))).toBe(1);
  });

  it('uploads nothing from that viewer with --no-symmetric, as before symmetric connections', async () => {
    const run = await runPair(['--no-listen', '--no-symmetric']);
    const a = run.dialing.at(-1)!;
    expect(a.played, JSON.stringify(a)).toBeGreaterThan(0);
    expect(a.bytesUploaded).toBe(0);
    expect(takenFrom(run.listening, run.dialingHost)).toEqual({});
  });

  it('keeps one connection between two viewers that both listen: the one dialed joins back instead of dialing', async () => {
    const run = await runPair([]);
    // B knows A by the port A listens on (as central lists it), and fetched from it over A's connection.
    expect(Object.keys(takenFrom(run.listening, run.dialingHost))).toEqual([`${run.dialingHost}:${run.dialingPort}`]);
    // Each serves one peer over one connection: a second connection from B to A would be a second peer at A.
    expect(Math.max(...run.dialing.map((line) => line.uploadPeers)), 'peers A served at once').toBe(1);
    expect(Math.max(...run.listening.map((line) => line.uploadPeers)), 'peers B served at once').toBe(1);
  });
});
