import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { mpegTsProblem, TS_PACKET_BYTES } from '@p2pstream/data';
import { matchRuns } from '../../../../tools/swarm/mpegts-check.js';
import { readPublisherStats, readViewerStats } from '../../../../tools/swarm/stats-file.js';
import type { ViewerStatsLine } from '@p2pstream/peer-client';
import { waitUntil } from '../../../../tools/swarm/wait.js';
import {
  fixture,
  FIXTURE_SECONDS,
  loopback,
  READY_TIMEOUT_MS,
  startCentral,
  startPublisher,
  startViewer,
  stopEverything,
  tempDir,
  waitForPublisherStats,
  type Viewer,
} from './processes.js';

const BLOCK = 2;
/**
 * Viewers join once the publisher has cut this many chunks (8 s of the 20 s stream), so they
 * join a stream well under way: a live start seats the playhead a few seconds behind the edge.
 */
const JOIN_AFTER_CHUNKS = 16;
/** The stream lasts FIXTURE_SECONDS from the publisher's first chunk; this is the slack on top for a loaded machine. */
const END_SLACK_MS = 40_000;

afterEach(stopEverything, 30_000);

describe('a live (--realtime) stream', { timeout: 2 * READY_TIMEOUT_MS + FIXTURE_SECONDS * 1000 + END_SLACK_MS + 30_000 }, () => {
  it('reaches viewers who joined mid-stream as valid MPEG-TS holding every chunk cut after they joined, in order', async () => {
    const dir = tempDir();
    const source = fixture();
    const central = await startCentral(BLOCK);
    const publisher = await startPublisher({ central, host: loopback(BLOCK, 2), name: 'live', dir, realtime: true });
    await waitForPublisherStats(publisher, `${JOIN_AFTER_CHUNKS} chunks cut`, (line) => line.chunks >= JOIN_AFTER_CHUNKS, READY_TIMEOUT_MS);

    // The first viewer plays 2 s behind the newest chunk, the second at the default (`--latency 2s`), the third 6 s behind.
    const behind = [['--behind', '2s'], [], ['--behind', '6s']];
    const viewers = await Promise.all(
      [3, 4, 5].map((host, i) => startViewer({ central, host: loopback(BLOCK, host), name: 'live', dir, args: behind[i]! })),
    );

    // The stream has ended for a viewer when its output ends with the fixture's last packets
    // (or it exited by itself); the fixture's tail occurs once in it.
    const tail = source.subarray(source.length - 4 * TS_PACKET_BYTES);
    const reachedEnd = (viewer: Viewer) => viewer.peer.hasExited || readFileSync(viewer.out).subarray(-tail.length).equals(tail);
    await waitUntil('every viewer to write the end of the stream', () => viewers.every(reachedEnd), {
      timeoutMs: FIXTURE_SECONDS * 1000 + END_SLACK_MS,
      intervalMs: 500,
      describe: () => viewers.map((viewer) => `${viewer.host}: ${readFileSync(viewer.out).length} bytes; ${viewer.peer.describe()}`).join('\n'),
    });
    for (const viewer of viewers) await viewer.peer.stop();
    await publisher.peer.stop();

    const publisherLines = readPublisherStats(publisher.stats);
    const cut = publisherLines.at(-1)!.chunks;
    for (const viewer of viewers) {
      const output = readFileSync(viewer.out);
      const label = `${viewer.host} (${output.length} bytes)`;
      expect(mpegTsProblem(output), label).toBeUndefined();

      // Chunks are whole packets copied from the source and played in order, so a viewer
      // that missed nothing after its first chunk wrote one contiguous run of the fixture,
      // ending where the fixture ends; a skipped or corrupt chunk would break the run.
      const { runs, mismatchAt } = matchRuns(output, source);
      expect(mismatchAt, `${label}: bytes at ${mismatchAt} are not the fixture's`).toBeUndefined();
      expect(runs.length, `${label}: runs of the fixture ${JSON.stringify(runs)}`).toBe(1);
      expect(runs[0]!.sourceStart + runs[0]!.length, `${label} ends before the fixture does`).toBe(source.length);

      // That run must also reach back to the chunk being cut when the viewer joined: the
      // publisher's count in its first stats line written after the viewer's ready line (at
      // most a second later, so at most a stats interval generous) leaves `cut - atJoin`
      // chunks cut after the join, and the viewer must have played at least that many.
      const atJoin = publisherLines.find((line) => line.time >= viewer.peer.ready!.at)?.chunks ?? cut;
      const final = readViewerStats(viewer.stats).at(-1);
      expect(final, `${label} wrote no stats`).toBeDefined();
      console.log(
        `${viewer.host} joined when ${atJoin} of ${cut} chunks were cut, started at byte ${runs[0]!.sourceStart} of the fixture, played ${final!.played} chunks, skipped ${final!.skipped}`,
      );
      expect(final!.played, `${label} played ${final!.played} chunks (skipped ${final!.skipped}); ${cut - atJoin} were cut after it joined`).toBeGreaterThanOrEqual(
        cut - atJoin,
      );
    }

    // --behind sets the lag behind the source: 6 s behind lags about 4 s more than 2 s behind
    // (half of that is asked, so a loaded machine's jitter cannot fail it).
    const [near, , far] = viewers.map((viewer) => medianLagWhilePlaying(readViewerStats(viewer.stats)));
    console.log(`median lag while playing: --behind 2s ${near} ms, --behind 6s ${far} ms`);
    expect(far! - near!, `lag with --behind 6s (${far} ms) vs 2s (${near} ms)`).toBeGreaterThanOrEqual(2000);
  });
});

/** The median lag behind the source over the stats lines in which the viewer played a chunk. */
function medianLagWhilePlaying(lines: readonly ViewerStatsLine[]): number {
  const lags = lines.flatMap((line, i) => (i > 0 && line.played > lines[i - 1]!.played && line.lagMs !== null ? [line.lagMs] : []));
  expect(lags.length, 'stats lines written while playing').toBeGreaterThan(5);
  return [...lags].sort((a, b) => a - b)[Math.floor(lags.length / 2)]!;
}
