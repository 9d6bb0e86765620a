import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { readViewerStats } from '../../../../tools/swarm/stats-file.js';
import { waitUntil } from '../../../../tools/swarm/wait.js';
import { MaliciousPeer } from './malicious-peer.js';
import {
  loopback,
  loopedFixtureSince,
  outputProblem,
  READY_TIMEOUT_MS,
  runFor,
  startCappedPublisher,
  startCentral,
  startViewers,
  stopEverything,
  tempDir,
  waitForFirstChunk,
} from './processes.js';

const BLOCK = 6;
/** How long the viewers play with the malicious peer in the swarm. */
const PLAY_MS = 15_000;
/** A viewer that got a corrupt chunk hangs up on its sender within this long. */
const HANG_UP_TIMEOUT_MS = 10_000;

let malicious: MaliciousPeer | undefined;
afterEach(async () => {
  await malicious?.close();
  malicious = undefined;
  await stopEverything();
}, 30_000);

describe('a malicious peer in the swarm', { timeout: 3 * READY_TIMEOUT_MS + PLAY_MS + HANG_UP_TIMEOUT_MS + 30_000 }, () => {
  it('gets no corrupt byte into any output, and every viewer it served drops it and never comes back', async () => {
    const dir = tempDir();
    const central = await startCentral(BLOCK);
    const startedAt = Date.now();
    // Capped at twice the stream, the publisher leaves the viewers looking for other sources.
    const publisher = await startCappedPublisher({ central, block: BLOCK, name: 'attacked', dir });
    malicious = await waitUntil('the malicious peer to find the stream and its publisher', () => MaliciousPeer.start({ central: central.address, name: 'attacked', host: loopback(BLOCK, 9) }).catch(() => undefined), {
      timeoutMs: READY_TIMEOUT_MS,
      intervalMs: 500,
    });

    const viewers = await startViewers(3, { central, block: BLOCK, first: 3, name: 'attacked', dir });
    await Promise.all(viewers.map(waitForFirstChunk));
    await runFor(PLAY_MS);

    const attacker = malicious;
    const victims = [...attacker.victims.values()].filter((victim) => victim.served.length > 0);
    const report = () => JSON.stringify([...attacker.victims.values()]);
    console.log(`malicious peer: ${attacker.servedTotal} corrupt chunks served; per viewer ${report()}`);
    expect(victims.length, `no viewer ever took a chunk from the malicious peer: ${report()}`).toBeGreaterThan(0);
    // Dropped: each connection it was served on is closed (by the viewer), and it never joined again afterwards.
    await waitUntil('every viewer served a corrupt chunk to hang up', () => victims.every((victim) => victim.open === 0), {
      timeoutMs: HANG_UP_TIMEOUT_MS,
      describe: report,
    });
    for (const victim of victims) {
      expect(victim.joins.filter((at) => at > victim.served[0]!), `${victim.address} joined again after a corrupt chunk: ${report()}`).toEqual([]);
    }

    for (const viewer of viewers) await viewer.peer.stop();
    await publisher.peer.stop();
    const source = loopedFixtureSince(startedAt);
    let badChunks = 0;
    for (const viewer of viewers) {
      const stats = readViewerStats(viewer.stats).at(-1)!;
      console.log(`${viewer.host}: continuity ${stats.continuity.toFixed(3)}, skipped ${JSON.stringify(stats.skippedByCause)}, ${stats.badChunks} corrupt chunks`);
      badChunks += stats.badChunks;
      if (victims.some((victim) => victim.address === viewer.host)) {
        expect(stats.badChunks, `${viewer.host} was served corrupt chunks but counted none: ${JSON.stringify(stats)}`).toBeGreaterThan(0);
      }
      expect(outputProblem(readFileSync(viewer.out), source), viewer.host).toBeUndefined();
    }
    expect(badChunks).toBeGreaterThan(0);
  });
});
