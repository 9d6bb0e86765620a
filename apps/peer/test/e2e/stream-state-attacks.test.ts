import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../../../tools/swarm/wait.js';
import {
  exitWithin,
  lastViewerStats,
  loopback,
  READY_TIMEOUT_MS,
  runFor,
  startCentral,
  startPublisher,
  startViewer,
  stopEverything,
  tempDir,
  waitForViewerStats,
} from './processes.js';
import { StateLiar } from './state-liar.js';

// The attacks of issue 15 on the stream's state, each with real processes on
// loopback and one attacker that speaks the protocol correctly and lies.

const BLOCK = 190;
/** How long the viewers play on after the liar had them all. */
const PLAY_ON_MS = 5_000;
/** A viewer of a publisher stopped with SIGTERM exits within this long. */
const END_TIMEOUT_MS = 10_000;

let liar: StateLiar | undefined;
afterEach(async () => {
  await liar?.close();
  liar = undefined;
  await stopEverything();
}, 30_000);

describe('attacks on the stream state', { timeout: 4 * READY_TIMEOUT_MS + PLAY_ON_MS + 30_000 }, () => {
  it('a forged end (map live:false, a huge edge, an unsigned end) stops no viewer, and each drops the liar', async () => {
    const dir = tempDir();
    const central = await startCentral(BLOCK);
    await startPublisher({ central, host: loopback(BLOCK, 2), name: 'state', dir, realtime: true, loop: true });
    // One viewer playing before the liar comes, one that starts while it is listed.
    const early = await startViewer({ central, host: loopback(BLOCK, 3), name: 'state', dir });
    await waitForViewerStats(early, 'first chunk played', (line) => line.startupMs !== null, READY_TIMEOUT_MS);
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
    await Promise.all(viewers.map((viewer) => waitForViewerStats(viewer, 'first chunk played', (line) => line.startupMs !== null, READY_TIMEOUT_MS)));

    process.kill(publisher.peer.pid, 'SIGTERM');
    const exits = await Promise.all(viewers.map((viewer) => exitWithin(viewer.peer, END_TIMEOUT_MS)));
    for (const [i, viewer] of viewers.entries()) {
      expect(exits[i], viewer.peer.describe()).toMatchObject({ code: 0 });
      expect(viewer.peer.stderr()).toContain('stops ended (publisher stopped)');
    }
    expect(await exitWithin(publisher.peer, END_TIMEOUT_MS)).toMatchObject({ code: 0 });
  });
});
