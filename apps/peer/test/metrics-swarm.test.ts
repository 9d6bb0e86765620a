import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../tools/testing/index.js';
import { startPeer } from '../../../tools/swarm/peer-process.js';
import { waitUntil } from '../../../tools/swarm/wait.js';
import { FIXTURE, loopback, peerFlags, READY_TIMEOUT_MS, runFor, startCentral, startViewer, stopEverything, tempDir } from './e2e/processes.js';
import { parseMetrics, type Scrape } from './metrics-text.js';

/** 127.0.30.x: a block of loopback addresses no other test file uses. */
const BLOCK = 30;
const NAME = 'metered';

afterAll(async () => {
  await stopEverything();
});

async function scrape(url: string): Promise<Scrape> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  return parseMetrics(await response.text());
}

/** `--metrics` on a free port of `host`, and the URL it will serve. */
async function metricsFlag(host: string): Promise<{ flag: string[]; url: string }> {
  const port = await freePort(host);
  return { flag: ['--metrics', `${host}:${port}`], url: `http://${host}:${port}/metrics` };
}

const received = (viewer: Scrape): number =>
  (viewer.value('p2pstream_peer_received_bytes_total', { source: 'publisher' }) ?? 0) + (viewer.value('p2pstream_peer_received_bytes_total', { source: 'peer' }) ?? 0);

describe('--metrics in a running swarm', () => {
  it('shows central, a publisher and a viewer moving as the stream plays', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const centralMetrics = await metricsFlag(loopback(BLOCK, 1));
    // Peers re-announce every 2 s instead of 15, so announces move within a few seconds.
    const central = await startCentral(BLOCK, { args: ['--interval', '2s', ...centralMetrics.flag] });
    expect(central.program.stdout()).toContain(`metrics at ${centralMetrics.url}`);

    const publisherHost = loopback(BLOCK, 2);
    const publisherMetrics = await metricsFlag(publisherHost);
    const publisher = await startPeer(
      ['publish', NAME, '--source', FIXTURE, '--realtime', '--loop', '--key', join(dir, `${NAME}.key`), ...publisherMetrics.flag, ...(await peerFlags(central, publisherHost))],
      { readyTimeoutMs: READY_TIMEOUT_MS },
    );
    expect(publisher.stderr()).toContain(`p2pstream peer: metrics at ${publisherMetrics.url}`);

    const viewerHost = loopback(BLOCK, 3);
    const viewerMetrics = await metricsFlag(viewerHost);
    await startViewer({ central, host: viewerHost, name: NAME, dir, args: viewerMetrics.flag });

    const scrapeAll = async () => ({
      central: await scrape(centralMetrics.url),
      publisher: await scrape(publisherMetrics.url),
      viewer: await scrape(viewerMetrics.url),
    });
    /** The p2pstream samples of each scrape, for a wait that fails. */
    const summary = (...scrapes: Array<Awaited<ReturnType<typeof scrapeAll>> | undefined>): string =>
      JSON.stringify(
        scrapes.map((all) =>
          all && Object.fromEntries(Object.entries(all).map(([who, s]) => [who, s.samples.filter((sample) => sample.name.startsWith('p2pstream_'))])),
        ),
      );

    let latest: Awaited<ReturnType<typeof scrapeAll>> | undefined;
    const first = await waitUntil(
      'the viewer to play and central to list both peers',
      async () => {
        latest = await scrapeAll();
        const played = latest.viewer.value('p2pstream_peer_chunks_played_total') ?? 0;
        return played > 0 && (latest.central.value('p2pstream_central_peers') ?? 0) >= 2 ? latest : undefined;
      },
      { timeoutMs: 45_000, intervalMs: 500, describe: () => summary(latest) },
    );

    await runFor(3_000);
    const second = await waitUntil(
      'every scrape to show the run moving on',
      async () => {
        latest = await scrapeAll();
        const moved =
          latest.viewer.value('p2pstream_peer_chunks_played_total')! > first.viewer.value('p2pstream_peer_chunks_played_total')! &&
          received(latest.viewer) > received(first.viewer) &&
          latest.publisher.value('p2pstream_peer_published_chunks_total')! > first.publisher.value('p2pstream_peer_published_chunks_total')! &&
          latest.publisher.value('p2pstream_peer_sent_bytes_total')! > first.publisher.value('p2pstream_peer_sent_bytes_total')! &&
          latest.central.value('p2pstream_central_announces_total')! > first.central.value('p2pstream_central_announces_total')!;
        return moved ? latest : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 1_000, describe: () => summary(first, latest) },
    );

    expect(second.central.value('p2pstream_central_streams')).toBe(1);
    expect(second.central.value('p2pstream_central_peers')).toBeGreaterThanOrEqual(2);
    expect(second.central.value('p2pstream_central_publishes_total')).toBeGreaterThanOrEqual(1);
    expect(second.central.value('p2pstream_central_lookups_total')).toBeGreaterThanOrEqual(1);

    expect(second.viewer.value('p2pstream_peer_info', { role: 'viewer', name: NAME })).toBe(1);
    expect(second.viewer.value('p2pstream_peer_startup_seconds')).toBeGreaterThan(0);
    expect(second.viewer.value('p2pstream_peer_lag_seconds')).toBeGreaterThan(0);
    expect(second.viewer.value('p2pstream_peer_continuity_ratio')).toBeGreaterThan(0);
    expect(second.viewer.value('p2pstream_peer_continuity_ratio')).toBeLessThanOrEqual(1);
    expect(second.viewer.value('p2pstream_peer_received_bytes_total', { source: 'publisher' })).toBeGreaterThan(0);
    expect(second.viewer.value('p2pstream_peer_peers', { direction: 'download' })).toBeGreaterThanOrEqual(1);
    expect(second.viewer.value('p2pstream_peer_bad_chunks_total')).toBe(0);

    expect(second.publisher.value('p2pstream_peer_info', { role: 'publisher', name: NAME })).toBe(1);
    expect(second.publisher.value('p2pstream_peer_peers', { direction: 'upload' })).toBeGreaterThanOrEqual(1);
    for (const scraped of [second.central, second.publisher, second.viewer]) {
      expect(scraped.value('process_resident_memory_bytes')).toBeGreaterThan(0);
    }
  });
});
