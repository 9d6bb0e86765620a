import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { readPublisherStats, readViewerStats } from '../../../../tools/swarm/stats-file.js';
import {
  fixtureBytesPerSecond,
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

const BLOCK = 3;
const VIEWERS = 8;
/** How long the swarm plays once every viewer is playing; the publisher's upload is measured over it. */
const MEASURE_MS = 20_000;

afterEach(stopEverything, 30_000);

describe('a swarm of eight viewers', { timeout: 3 * READY_TIMEOUT_MS + MEASURE_MS + 60_000 }, () => {
  it('plays at every viewer with continuity ≥ 0.99 while the publisher, capped at twice the stream rate, uploads far less than 8× the stream', async () => {
    const dir = tempDir();
    const rate = fixtureBytesPerSecond();
    const central = await startCentral(BLOCK);
    const publishedAt = Date.now();
    const publisher = await startCappedPublisher({ central, block: BLOCK, name: 'swarm', dir });
    const viewers = await startViewers(VIEWERS, { central, block: BLOCK, first: 3, name: 'swarm', dir });
    await Promise.all(viewers.map(waitForFirstChunk));

    const windowStart = Date.now();
    await runFor(MEASURE_MS);
    const windowEnd = Date.now();
    for (const viewer of viewers) await viewer.peer.stop();
    await publisher.peer.stop();

    // The publisher's upload while all eight played, against the stream's own bytes over the same time.
    const lines = readPublisherStats(publisher.stats).filter((line) => line.time >= windowStart && line.time <= windowEnd);
    expect(lines.length, 'publisher stats lines in the measured window').toBeGreaterThanOrEqual(2);
    const first = lines[0]!;
    const last = lines.at(-1)!;
    const multiple = (last.bytesUploaded - first.bytesUploaded) / (((last.time - first.time) / 1000) * rate);

    const finals = viewers.map((viewer) => ({ viewer, stats: readViewerStats(viewer.stats).at(-1)! }));
    const fromPublisher = finals.reduce((sum, { stats }) => sum + stats.bytesFromPublisher, 0);
    const fromPeers = finals.reduce((sum, { stats }) => sum + stats.bytesFromPeers, 0);
    console.log(
      `swarm of ${VIEWERS}: the publisher uploaded ${multiple.toFixed(2)}× the stream (${Math.round(rate)} B/s) while all played; ` +
        `viewers got ${((100 * fromPeers) / (fromPeers + fromPublisher)).toFixed(1)}% of their bytes from each other; continuity ` +
        finals.map(({ stats }) => stats.continuity.toFixed(3)).join(' '),
    );

    const source = loopedFixtureSince(publishedAt);
    for (const { viewer, stats } of finals) {
      expect(stats.continuity, `${viewer.host}: ${JSON.stringify(stats)}`).toBeGreaterThanOrEqual(0.99);
      expect(stats.played, `${viewer.host} played nothing`).toBeGreaterThan(0);
      expect(outputProblem(readFileSync(viewer.out), source), viewer.host).toBeUndefined();
    }
    // Serving all eight itself would be 8×; its cap is 2×. "Far less" is read as at most half of 8×.
    expect(multiple, `publisher upload multiple over ${last.time - first.time} ms`).toBeLessThan(VIEWERS / 2);
  });
});
