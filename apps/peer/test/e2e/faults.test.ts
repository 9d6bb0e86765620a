import { readFileSync } from 'node:fs';
import { TrackerClient } from '@p2pstream/tracker-client';
import { afterEach, describe, expect, it } from 'vitest';
import { continuityBetween, readViewerStats } from '../../../../tools/swarm/stats-file.js';
import type { ViewerStatsLine } from '@p2pstream/peer-client';
import { waitUntil } from '../../../../tools/swarm/wait.js';
import {
  lastViewerStats,
  loopback,
  loopedFixtureSince,
  outputProblem,
  READY_TIMEOUT_MS,
  runFor,
  startCappedPublisher,
  startCentral,
  startPublisher,
  startViewers,
  stopEverything,
  tempDir,
  waitForFirstChunk,
  type Viewer,
} from './processes.js';

/** How long the stream plays after each fault before the viewers are judged. */
const AFTER_FAULT_MS = 12_000;
/** A restarted central is told about the swarm again within this long (reconnect backoff is capped by the 3 s interval). */
const REREGISTER_TIMEOUT_MS = 30_000;

afterEach(stopEverything, 30_000);

/** Each viewer's newest stats line right now. */
function snapshot(viewers: readonly Viewer[]): Map<Viewer, ViewerStatsLine> {
  return new Map(viewers.map((viewer) => [viewer, lastViewerStats(viewer)!]));
}

/**
 * The viewers kept playing after the fault: chunks fell due after it, they played
 * more, and continuity over that stretch alone (not diluted by the time before) is
 * ≥ 0.99; so is the continuity each reports overall. Their output is clean.
 */
function expectKeptPlaying(viewers: readonly Viewer[], before: Map<Viewer, ViewerStatsLine>, source: Buffer): void {
  const finals = new Map(viewers.map((viewer) => [viewer, readViewerStats(viewer.stats).at(-1)!]));
  console.log(
    `after the fault: ${viewers.map((viewer) => `${viewer.host} played ${finals.get(viewer)!.played - before.get(viewer)!.played} more, continuity ${continuityBetween(before.get(viewer)!, finals.get(viewer)!).toFixed(3)}`).join('; ')}`,
  );
  for (const viewer of viewers) {
    const after = finals.get(viewer)!;
    const earlier = before.get(viewer)!;
    const label = `${viewer.host}: at the fault ${JSON.stringify(earlier)}; at the end ${JSON.stringify(after)}`;
    expect(after.due - earlier.due, `${label}: no chunk fell due after the fault`).toBeGreaterThan(0);
    expect(after.played, `${label}: played nothing after the fault`).toBeGreaterThan(earlier.played);
    expect(continuityBetween(earlier, after), label).toBeGreaterThanOrEqual(0.99);
    expect(after.continuity, label).toBeGreaterThanOrEqual(0.99);
    expect(outputProblem(readFileSync(viewer.out), source), viewer.host).toBeUndefined();
  }
}

describe('faults in a live swarm', { timeout: 3 * READY_TIMEOUT_MS + REREGISTER_TIMEOUT_MS + 2 * AFTER_FAULT_MS + 30_000 }, () => {
  it('keeps the other viewers playing with continuity ≥ 0.99 when a viewer that serves them is killed', async () => {
    const block = 4;
    const dir = tempDir();
    const central = await startCentral(block);
    const startedAt = Date.now();
    // Capped at twice the stream, the publisher cannot feed four viewers alone: they must serve each other.
    const publisher = await startCappedPublisher({ central, block, name: 'kill', dir });
    const viewers = await startViewers(4, { central, block, first: 3, name: 'kill', dir });
    await Promise.all(viewers.map(waitForFirstChunk));

    // The victim is the viewer that has uploaded the most to the others.
    const victim = await waitUntil(
      'a viewer that has uploaded to the others',
      () => {
        const [best] = viewers.map((viewer) => ({ viewer, uploaded: lastViewerStats(viewer)?.bytesUploaded ?? 0 })).sort((a, b) => b.uploaded - a.uploaded);
        return best && best.uploaded > 0 ? best.viewer : undefined;
      },
      { timeoutMs: READY_TIMEOUT_MS, describe: () => viewers.map((viewer) => JSON.stringify(lastViewerStats(viewer))).join('\n') },
    );
    const others = viewers.filter((viewer) => viewer !== victim);
    const before = snapshot(others);
    const uploaded = lastViewerStats(victim)!.bytesUploaded;
    await victim.peer.kill();
    console.log(`killed ${victim.host}, which had uploaded ${uploaded} bytes to the other viewers`);

    await runFor(AFTER_FAULT_MS);
    for (const viewer of others) await viewer.peer.stop();
    await publisher.peer.stop();
    expectKeptPlaying(others, before, loopedFixtureSince(startedAt));
  });

  it('keeps playback going through a central restart, and the swarm registers again at the new central', async () => {
    const block = 5;
    const dir = tempDir();
    // A short announce interval caps the peers' reconnect backoff, so they come back to the new central soon.
    const centralArgs = ['--interval', '3s'];
    let central = await startCentral(block, { args: centralArgs });
    const startedAt = Date.now();
    const publisher = await startPublisher({ central, host: loopback(block, 2), name: 'restart', dir, realtime: true, loop: true });
    const viewers = await startViewers(3, { central, block, first: 3, name: 'restart', dir });
    await Promise.all(viewers.map(waitForFirstChunk));

    const before = snapshot(viewers);
    await central.program.kill();
    const killedAt = Date.now();
    central = await startCentral(block, { port: central.port, args: centralArgs });

    // Every peer is in the new central's registry again: a look-up lists the publisher and all three viewers.
    const expected = [publisher.peer.ready!.host, ...viewers.map((viewer) => viewer.host)].sort();
    const tracker = new TrackerClient({ centrals: [central.address], localAddress: loopback(block, 200) });
    let seen: string[] = [];
    try {
      await waitUntil(
        'the publisher and every viewer to be registered at the restarted central',
        async () => {
          const found = await tracker.lookup('restart').catch(() => undefined);
          seen = [...new Set(found?.peers.map((peer) => peer.host) ?? [])].sort();
          return expected.every((host) => seen.includes(host));
        },
        { timeoutMs: REREGISTER_TIMEOUT_MS, intervalMs: 500, describe: () => `expected ${expected.join(', ')}; central lists ${seen.join(', ') || 'nothing'}` },
      );
    } finally {
      await tracker.close();
    }
    console.log(`central killed and restarted; all ${expected.length} peers registered again ${Date.now() - killedAt} ms after the kill`);

    await runFor(AFTER_FAULT_MS);
    for (const viewer of viewers) await viewer.peer.stop();
    await publisher.peer.stop();
    expectKeptPlaying(viewers, before, loopedFixtureSince(startedAt));
  });
});
