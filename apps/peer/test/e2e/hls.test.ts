import { afterEach, describe, expect, it } from 'vitest';
import { findVideoRandomAccess, PAT_PID, packetPid, TS_PACKET_BYTES } from '@p2pstream/data';
import { ffprobe, freePort, probedStreams } from '../../../../tools/testing/index.js';
import { startPeer } from '../../../../tools/swarm/peer-process.js';
import { waitUntil } from '../../../../tools/swarm/wait.js';
import { FIXTURE_SECONDS, loopback, peerFlags, READY_TIMEOUT_MS, startCentral, startPublisher, stopEverything, tempDir } from './processes.js';

/** `watch --http` also serves HLS at /live.m3u8: read by the ffprobe program, as a user's tools would. */

const BLOCK = 163;
const PLAYLIST_TIMEOUT_MS = 60_000;

afterEach(stopEverything, 30_000);

async function text(url: string): Promise<string> {
  const response = await fetch(url);
  expect(response.status, url).toBe(200);
  return response.text();
}

/** The segment URIs and EXTINF durations a playlist lists, and its tags. */
function parsePlaylist(playlist: string, base: string) {
  const lines = playlist.trim().split('\n');
  const segments: Array<{ url: string; seconds: number }> = [];
  lines.forEach((line, i) => {
    const extinf = /^#EXTINF:([\d.]+),/.exec(line);
    if (extinf) segments.push({ seconds: Number(extinf[1]), url: new URL(lines[i + 1]!, base).href });
  });
  const tag = (name: string) => lines.find((line) => line.startsWith(`#${name}:`))?.split(':')[1];
  return { segments, targetDuration: Number(tag('EXT-X-TARGETDURATION')), mediaSequence: Number(tag('EXT-X-MEDIA-SEQUENCE')), ended: lines.includes('#EXT-X-ENDLIST') };
}

/** Every segment begins with the PAT, the PMT and a video keyframe, and lasts no longer than TARGETDURATION. */
async function checkSegments(playlist: ReturnType<typeof parsePlaylist>): Promise<void> {
  for (const segment of playlist.segments) {
    expect(Math.round(segment.seconds)).toBeLessThanOrEqual(playlist.targetDuration);
    const bytes = Buffer.from(await (await fetch(segment.url)).arrayBuffer());
    expect(packetPid(bytes, 0), segment.url).toBe(PAT_PID);
    expect(findVideoRandomAccess(bytes), segment.url).toBe(2 * TS_PACKET_BYTES);
  }
}

async function httpViewer(central: Awaited<ReturnType<typeof startCentral>>, host: number, name: string): Promise<{ base: string; peer: Awaited<ReturnType<typeof startPeer>> }> {
  const httpHost = loopback(BLOCK, host);
  const http = `${httpHost}:${await freePort(httpHost)}`;
  const peer = await startPeer(['watch', name, '--http', http, ...(await peerFlags(central, loopback(BLOCK, host)))], { readyTimeoutMs: READY_TIMEOUT_MS });
  return { base: `http://${http}/live.m3u8`, peer };
}

describe('HLS at /live.m3u8', { timeout: 2 * READY_TIMEOUT_MS + 2 * PLAYLIST_TIMEOUT_MS }, () => {
  it('of a finished stream: the whole playlist with EXT-X-ENDLIST, which ffprobe reads as the stream, and watch serves on after the end', async () => {
    const dir = tempDir();
    const central = await startCentral(BLOCK);
    await startPublisher({ central, host: loopback(BLOCK, 2), name: 'film', dir });
    const { base, peer } = await httpViewer(central, 3, 'film');
    const playlist = await waitUntil('the playlist to end with EXT-X-ENDLIST', async () => {
      const parsed = parsePlaylist(await text(base), base);
      return parsed.ended ? parsed : undefined;
    }, { timeoutMs: PLAYLIST_TIMEOUT_MS, intervalMs: 500, describe: () => peer.describe() });
    expect(playlist.mediaSequence).toBe(0);
    const listed = playlist.segments.reduce((sum, segment) => sum + segment.seconds, 0);
    expect(listed).toBeGreaterThan(FIXTURE_SECONDS - 1);
    expect(listed).toBeLessThanOrEqual(FIXTURE_SECONDS + 0.1);
    await checkSegments(playlist);

    const probe = ffprobe(base);
    expect(probe.format.format_name).toBe('hls');
    expect(probedStreams(probe)).toEqual(['audio:aac', 'video:h264']);
    expect(Number(probe.format.duration)).toBeGreaterThan(FIXTURE_SECONDS - 1);
    expect(Number(probe.format.duration)).toBeLessThan(FIXTURE_SECONDS + 1);
    expect(peer.hasExited, 'watch serves HLS on after the last chunk').toBe(false);
    expect((await peer.stop()).code).toBe(0);
  });

  it('of a live stream: a sliding playlist of keyframe-aligned segments that ffprobe reads', async () => {
    const dir = tempDir();
    const central = await startCentral(BLOCK);
    await startPublisher({ central, host: loopback(BLOCK, 4), name: 'live', dir, realtime: true, loop: true });
    const { base, peer } = await httpViewer(central, 5, 'live');
    const playlist = await waitUntil('the live playlist to slide on', async () => {
      const parsed = parsePlaylist(await text(base), base);
      return parsed.mediaSequence >= 2 ? parsed : undefined;
    }, { timeoutMs: PLAYLIST_TIMEOUT_MS, intervalMs: 1000, describe: () => peer.describe() });
    expect(playlist.ended).toBe(false);
    expect(playlist.segments.length).toBeLessThanOrEqual(6);
    expect(playlist.segments.length).toBeGreaterThanOrEqual(2);
    await checkSegments(playlist);
    // A segment gone from the playlist is gone from memory.
    expect((await fetch(new URL('hls/0.ts', base))).status).toBe(404);

    const probe = ffprobe(base);
    expect(probedStreams(probe)).toEqual(['audio:aac', 'video:h264']);
  });
});
