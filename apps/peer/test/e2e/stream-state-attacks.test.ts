import { dial, type Connection } from '@p2pstream/connection';
import { TrackerClient } from '@p2pstream/tracker-client';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../../../tools/swarm/wait.js';
import {
  exitWithin,
  fixtureBytesPerSecond,
  lastViewerStats,
  loopback,
  READY_TIMEOUT_MS,
  runFor,
  startCentral,
  startPublisher,
  startViewer,
  stopEverything,
  tempDir,
  waitForFirstChunk,
  waitForViewerStats,
} from './processes.js';
import { formatRateAsBits } from '@p2pstream/units';
import { SessionReplayer } from './session-replayer.js';
import { StateLiar } from './state-liar.js';

// The attacks of issue 15 on the stream's state, each with real processes on
// loopback and one attacker that speaks the protocol correctly and lies.

const BLOCK = 190;
/** How long the viewers play on after the liar had them all. */
const PLAY_ON_MS = 5_000;
/** A viewer of a publisher stopped with SIGTERM exits within this long. */
const END_TIMEOUT_MS = 10_000;

/** The inflated-edge attack: connections from one address, each announcing a dead port at the largest edge. */
const ECLIPSE_CONNECTIONS = 64;
/** A fresh viewer plays its first chunk within this long during the attack (the bound)… */
const STARTUP_LIMIT_MS = 5_000;
/** …or within this much of a fresh viewer's start-up just before the attack, on a slow machine. */
const STARTUP_SLACK_MS = 2_000;

/** Chunks recorded from the first publish (10 s of the stream). */
const RECORDED_CHUNKS = 20;

let liar: StateLiar | undefined;
let replayer: SessionReplayer | undefined;
const attackers: Connection[] = [];
const closeLater: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await liar?.close();
  liar = undefined;
  await replayer?.close();
  replayer = undefined;
  await Promise.all(attackers.splice(0).map((connection) => connection.close()));
  await Promise.all(closeLater.splice(0).map((close) => close()));
  await stopEverything();
}, 30_000);

describe('attacks on the stream state', { timeout: 4 * READY_TIMEOUT_MS + PLAY_ON_MS + 30_000 }, () => {
  it('a forged end (map live:false, a huge edge, an unsigned end) stops no viewer, and each drops the liar', async () => {
    const dir = tempDir();
    const central = await startCentral(BLOCK);
    await startPublisher({ central, host: loopback(BLOCK, 2), name: 'state', dir, realtime: true, loop: true });
    // One viewer playing before the liar comes, one that starts while it is listed.
    const early = await startViewer({ central, host: loopback(BLOCK, 3), name: 'state', dir });
    await waitForFirstChunk(early);
    liar = await waitUntil('the liar to find the stream', () => StateLiar.start({ central: central.address, name: 'state', host: loopback(BLOCK, 9) }).catch(() => undefined), {
      timeoutMs: READY_TIMEOUT_MS,
      intervalMs: 500,
    });
    const fresh = await startViewer({ central, host: loopback(BLOCK, 4), name: 'state', dir });
    const attacker = liar;
    const report = () => JSON.stringify([...attacker.victims]);
    await waitUntil('both viewers to join the liar', () => attacker.joined >= 2, { timeoutMs: 20_000, describe: report });
    const before = [early, fresh].map((viewer) => lastViewerStats(viewer)?.played ?? 0);
    await runFor(PLAY_ON_MS);

    for (const [i, viewer] of [early, fresh].entries()) {
      expect(viewer.peer.hasExited, viewer.peer.describe()).toBe(false);
      expect(lastViewerStats(viewer)!.played, `viewer ${viewer.host} played on`).toBeGreaterThan(before[i]!);
    }
    // Dropped: every connection a viewer had to the liar is closed (by the viewer).
    await waitUntil('every viewer to hang up on the liar', () => [...attacker.victims.values()].every((victim) => victim.open === 0), {
      timeoutMs: 10_000,
      describe: report,
    });
  });

  it('a publisher stopped with SIGTERM ends its stream: its viewers say so and exit 0 within 10 s', async () => {
    const dir = tempDir();
    const central = await startCentral(BLOCK);
    const publisher = await startPublisher({ central, host: loopback(BLOCK, 2), name: 'stops', dir, realtime: true, loop: true });
    const viewers = [
      await startViewer({ central, host: loopback(BLOCK, 3), name: 'stops', dir }),
      await startViewer({ central, host: loopback(BLOCK, 4), name: 'stops', dir }),
    ];
    await Promise.all(viewers.map(waitForFirstChunk));

    process.kill(publisher.peer.pid, 'SIGTERM');
    const exits = await Promise.all(viewers.map((viewer) => exitWithin(viewer.peer, END_TIMEOUT_MS)));
    for (const [i, viewer] of viewers.entries()) {
      expect(exits[i], viewer.peer.describe()).toMatchObject({ code: 0 });
      expect(viewer.peer.stderr()).toContain('stops ended (publisher stopped)');
    }
    expect(await exitWithin(publisher.peer, END_TIMEOUT_MS)).toMatchObject({ code: 0 });
  });

  it('an eclipse by inflated edges (one address, many dead ports at edge 2^53-1) does not slow the start of a fresh viewer', async () => {
    const dir = tempDir();
    const central = await startCentral(BLOCK);
    await startPublisher({ central, host: loopback(BLOCK, 2), name: 'eclipsed', dir, realtime: true, loop: true });
    // The start-up of a fresh viewer on this machine now, before the attack: the yardstick.
    const before = await startViewer({ central, host: loopback(BLOCK, 3), name: 'eclipsed', dir });
    const baseline = (await waitForFirstChunk(before)).startupMs!;
    const lister = listerOf(central.address, loopback(BLOCK, 8));
    const { stream } = await lister.lookup('eclipsed');

    // Every connection central lets in from the attacker's address announces a port nobody listens on.
    let admitted = 0;
    let refused = 0;
    for (let i = 0; i < ECLIPSE_CONNECTIONS; i++) {
      const connection = await dial(loopback(BLOCK, 1), central.port, { role: 'peer', localAddress: loopback(BLOCK, 9) }).catch(() => undefined);
      if (!connection) continue;
      attackers.push(connection);
      const announced = await connection
        .request({ t: 'announce', stream, port: 40_000 + i, edge: Number.MAX_SAFE_INTEGER, live: true })
        .then(() => true, () => false);
      if (announced) admitted += 1;
      else refused += 1;
    }

    const viewer = await startViewer({ central, host: loopback(BLOCK, 4), name: 'eclipsed', dir });
    const startupMs = (await waitForFirstChunk(viewer)).startupMs!;
    console.log(`eclipse: ${attackers.length} connections, ${admitted} announces taken, ${refused} refused; start-up ${startupMs} ms (${baseline} ms before the attack)`);
    // The issue asks for 5 s; on a loaded test machine a viewer's start-up without any attack can take longer, so the bound is relative.
    expect(startupMs).toBeLessThan(Math.max(STARTUP_LIMIT_MS, baseline + STARTUP_SLACK_MS));
    expect(admitted).toBeLessThanOrEqual(4);
    // Central's edge is the source's, not the attacker's.
    const entry = (await lister.list()).find((listed) => listed.name === 'eclipsed');
    expect(entry?.edge ?? 0).toBeLessThan(1_000_000);
  });

  it('chunks recorded from an earlier publish of the same name and key are refused as bad: none is kept or played', async () => {
    const dir = tempDir();
    const central = await startCentral(BLOCK);
    const first = await startPublisher({ central, host: loopback(BLOCK, 2), name: 'again', dir, realtime: true, loop: true });
    const recorded = await waitUntil(
      'chunks of the first publish to record',
      () => SessionReplayer.record({ central: central.address, name: 'again', host: loopback(BLOCK, 9), count: RECORDED_CHUNKS }).catch(() => undefined),
      { timeoutMs: READY_TIMEOUT_MS, intervalMs: 1_000 },
    );
    await first.peer.stop();
    // The same name and key (the key file the first publish wrote), published again: a new session whose seqs start at 0 again.
    // Capped below the stream's rate, the publisher's queue keeps growing, so its viewer has to ask other sources:
    // at twice the rate it kept up, and a viewer that took every chunk from it never asked the replayer (1 CI run in 3).
    await startPublisher({ central, host: loopback(BLOCK, 2), name: 'again', dir, realtime: true, loop: true, uploadLimit: formatRateAsBits(0.75 * fixtureBytesPerSecond()) });
    replayer = await waitUntil(
      'the replayer to find the new publish',
      () => SessionReplayer.serve({ central: central.address, name: 'again', host: loopback(BLOCK, 9), chunks: recorded }).catch(() => undefined),
      { timeoutMs: READY_TIMEOUT_MS, intervalMs: 500 },
    );
    const viewer = await startViewer({ central, host: loopback(BLOCK, 3), name: 'again', dir });
    await waitForViewerStats(viewer, `${RECORDED_CHUNKS} chunks played`, (line) => line.played >= RECORDED_CHUNKS, READY_TIMEOUT_MS);
    const attacker = replayer;
    const stats = await waitForViewerStats(viewer, 'a replayed chunk counted as bad', (line) => line.badChunks >= 1, READY_TIMEOUT_MS);
    console.log(`replay: ${attacker.servedTotal} old chunks served, ${stats.badChunks} bad chunks counted, ${stats.played} played, ${stats.bytesFromPeers} bytes kept from peers`);
    expect(attacker.servedTotal).toBeGreaterThan(0);
    // The publisher and the replayer are its only peers: every byte it kept (and so played) came from the publisher.
    // (A chunk the replayer answered after the viewer had dropped it is not counted at all: its request was abandoned.)
    expect(stats.bytesFromPeers).toBe(0);
  });

});

function listerOf(central: string, localAddress: string): TrackerClient {
  const client = new TrackerClient({ centrals: [central], localAddress });
  closeLater.push(() => client.close());
  return client;
}
