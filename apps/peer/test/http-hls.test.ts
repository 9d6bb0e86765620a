import { findVideoRandomAccess, PAT_PID, packetPid, TS_PACKET_BYTES } from '@p2pstream/data';
import { afterEach, describe, expect, it } from 'vitest';
import { PeerHttpServer } from '../src/http-server.js';
import { fixture } from './e2e/processes.js';

const servers: PeerHttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(options: { hlsSegments?: number } = {}): Promise<PeerHttpServer> {
  const server = await PeerHttpServer.listen('127.0.0.1', 0, options);
  servers.push(server);
  return server;
}

/** The fixture in chunks of 300 packets (about 0.75 s): they cut its groups of pictures anywhere. */
function fixtureChunks(): Buffer[] {
  const media = fixture();
  const chunks: Buffer[] = [];
  for (let at = 0; at < media.length; at += 300 * TS_PACKET_BYTES) chunks.push(media.subarray(at, at + 300 * TS_PACKET_BYTES));
  return chunks;
}

describe('HLS (/live.m3u8)', () => {
  it('of a finished stream: EVENT while it is played, then VOD with EXT-X-ENDLIST, the segments adding up to the stream', async () => {
    const server = await start();
    server.output.live = false;
    const chunks = fixtureChunks();
    // Asking for the playlist lets a finished stream's play-out go on with no /stream.ts player.
    const first = fetch(server.hlsUrl);
    for (const chunk of chunks.slice(0, 8)) await server.output.write(chunk);
    const growing = await (await first).text();
    expect(growing).toContain('#EXT-X-PLAYLIST-TYPE:EVENT');
    expect(growing).not.toContain('#EXT-X-ENDLIST');
    for (const chunk of chunks.slice(8)) await server.output.write(chunk);
    server.output.end();

    const response = await fetch(server.hlsUrl);
    expect(response.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const playlist = await response.text();
    expect(playlist).toMatch(/^#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n/);
    expect(playlist.trimEnd().endsWith('#EXT-X-ENDLIST')).toBe(true);
    const uris = playlist.split('\n').filter((line) => line.startsWith('hls/'));
    expect(uris).toEqual(uris.map((_, i) => `hls/${i}.ts`));
    const durations = [...playlist.matchAll(/#EXTINF:([\d.]+),/g)].map((match) => Number(match[1]));
    expect(durations.slice(0, -1).every((seconds) => seconds === 2)).toBe(true);
    expect(durations.reduce((sum, seconds) => sum + seconds, 0)).toBeGreaterThan(19);

    // The segments are the stream from its first keyframe, each with the PAT and PMT first.
    const media = fixture();
    let at = findVideoRandomAccess(media) - 2 * TS_PACKET_BYTES;
    for (const uri of uris) {
      const segment = Buffer.from(await (await fetch(new URL(uri, server.hlsUrl))).arrayBuffer());
      expect(packetPid(segment, 0)).toBe(PAT_PID);
      expect(findVideoRandomAccess(segment)).toBe(2 * TS_PACKET_BYTES);
      expect(segment.equals(media.subarray(at, at + segment.length)), uri).toBe(true);
      at += segment.length;
    }
    expect(at).toBe(media.length);
    // /stream.ts has been played to its end; HLS goes on.
    expect((await fetch(server.streamUrl)).status).toBe(503);
  });

  it('of a live stream: slides, keeps only the newest segments, and marks the one after a skipped chunk a discontinuity', async () => {
    const server = await start({ hlsSegments: 3 });
    const chunks = fixtureChunks();
    for (const [seq, chunk] of chunks.entries()) {
      if (seq === 14) server.output.skipped();
      else server.output.write(chunk);
    }
    const playlist = await (await fetch(server.hlsUrl)).text();
    expect(playlist).not.toContain('#EXT-X-ENDLIST');
    expect(playlist).not.toContain('PLAYLIST-TYPE');
    const sequence = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(playlist)![1]);
    expect(sequence).toBeGreaterThan(0);
    const uris = playlist.split('\n').filter((line) => line.startsWith('hls/'));
    expect(uris).toEqual([0, 1, 2].map((i) => `hls/${sequence + i}.ts`));
    expect(playlist).toContain('#EXT-X-DISCONTINUITY');
    expect((await fetch(new URL('hls/0.ts', server.hlsUrl))).status).toBe(404);
  });

  it('answers 503 when no segment comes in time, and nothing for paths that are no segment', async () => {
    const server = await start();
    expect((await fetch(new URL('hls/x.ts', server.hlsUrl))).status).toBe(404);
    const waiting = fetch(server.hlsUrl);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await server.close();
    expect((await waiting).status).toBe(503);
  });
});
