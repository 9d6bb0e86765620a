import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../../tools/testing/index.js';
import { formatRateAsBits } from '@p2pstream/units';
import { waitUntil } from '../../../../tools/swarm/wait.js';
import { parseMetrics, type Scrape } from '../metrics-text.js';
import { fixtureBytesPerSecond, loopback, READY_TIMEOUT_MS, startCentral, startPublisher, startViewer, stopEverything, tempDir } from './processes.js';

/** 127.0.31.x: a block of loopback addresses no other test file uses. */
const BLOCK = 31;
const CAUSES = ['never-announced', 'timed-out', 'refused-busy', 'held-back', 'late', 'evicted'];
/** What an uplink too slow for the stream makes a viewer skip for: answers too slow, queued or refused. */
const STARVED_CAUSES = ['timed-out', 'refused-busy', 'held-back', 'late'];
const SKIP_TIMEOUT_MS = 60_000;

afterEach(stopEverything, 30_000);

async function scrape(url: string): Promise<Scrape> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  return parseMetrics(await response.text());
}

const skipsByCause = (viewer: Scrape): Record<string, number> =>
  Object.fromEntries(CAUSES.map((cause) => [cause, viewer.value('p2pstream_peer_chunks_skipped_total', { cause }) ?? NaN]));

describe('a viewer whose only source uploads at half the bitrate', { timeout: 2 * READY_TIMEOUT_MS + SKIP_TIMEOUT_MS + 30_000 }, () => {
  it('skips, and its /metrics and --stats say why: the answers were too slow, not that no peer had the chunks', async () => {
    const dir = tempDir();
    const central = await startCentral(BLOCK);
    await startPublisher({
      central,
      host: loopback(BLOCK, 2),
      name: 'starved',
      dir,
      realtime: true,
      loop: true,
      uploadLimit: formatRateAsBits(0.5 * fixtureBytesPerSecond()),
    });
    const host = loopback(BLOCK, 3);
    const port = await freePort(host);
    const viewer = await startViewer({ central, host, name: 'starved', dir, args: ['--metrics', `${host}:${port}`] });

    let latest: Scrape | undefined;
    const metrics = await waitUntil(
      'the viewer to skip chunks',
      async () => {
        latest = await scrape(`http://${host}:${port}/metrics`);
        const skipped = Object.values(skipsByCause(latest)).reduce((a, b) => a + b, 0);
        return skipped >= 3 ? latest : undefined;
      },
      { timeoutMs: SKIP_TIMEOUT_MS, intervalMs: 1_000, describe: () => JSON.stringify(latest && skipsByCause(latest)) },
    );
    const byCause = skipsByCause(metrics);
    console.log(`skips by cause at the scrape: ${JSON.stringify(byCause)}`);
    // Every cause has a sample; the skips are the uplink's doing.
    for (const cause of CAUSES) expect(byCause[cause], `${cause} in ${JSON.stringify(byCause)}`).toBeGreaterThanOrEqual(0);
    expect(STARVED_CAUSES.reduce((sum, cause) => sum + byCause[cause]!, 0), JSON.stringify(byCause)).toBeGreaterThanOrEqual(3);
    expect(byCause.evicted).toBe(0);

    await viewer.peer.stop();
    const lines = readFileSync(viewer.stats, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { skipped: number; skippedByCause: Record<string, number> });
    const last = lines.at(-1)!;
    expect(Object.keys(last.skippedByCause).sort()).toEqual([...CAUSES].sort());
    expect(Object.values(last.skippedByCause).reduce((a, b) => a + b, 0)).toBe(last.skipped);
    // The last line was written at exit, after the scrape: every count there is at least the scrape's.
    for (const cause of CAUSES) expect(last.skippedByCause[cause]).toBeGreaterThanOrEqual(byCause[cause]!);
  });
});
