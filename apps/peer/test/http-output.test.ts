import { get, type IncomingMessage } from 'node:http';
import { findLastVideoFrameStart, findVideoRandomAccess, PAT_PID, packetBoundary, packetPid, TS_PACKET_BYTES } from '@p2pstream/data';
import { afterEach, describe, expect, it } from 'vitest';
import { STREAM_PATH } from '../src/http-constants.js';
import { PeerHttpServer, type PeerHttpServerOptions } from '../src/http-server.js';
import { fixture } from './e2e/processes.js';

const servers: PeerHttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(options: PeerHttpServerOptions = {}): Promise<PeerHttpServer> {
  const server = await PeerHttpServer.listen('127.0.0.1', 0, options);
  servers.push(server);
  return server;
}

/** `count` MPEG-TS packets, packet k filled with `seed + k`. */
function packets(count: number, seed: number): Buffer {
  const bytes = Buffer.alloc(count * 188);
  for (let k = 0; k < count; k++) {
    bytes.fill((seed + k) & 0xff, k * 188, (k + 1) * 188);
    bytes[k * 188] = 0x47;
  }
  return bytes;
}

/** Opens the stream and collects what arrives. */
async function play(server: PeerHttpServer) {
  const response = await new Promise<IncomingMessage>((resolve, reject) => get(`http://127.0.0.1:${server.port}${STREAM_PATH}`, resolve).once('error', reject));
  const pieces: Buffer[] = [];
  response.on('data', (piece: Buffer) => pieces.push(piece));
  const ended = new Promise<void>((resolve) => response.once('end', resolve));
  return { response, ended, bytes: () => Buffer.concat(pieces) };
}

/** The fixture in chunks of 100 packets: about 0.25 s each, a keyframe every second. */
function fixtureChunks(): Buffer[] {
  const media = fixture();
  const chunkBytes = 100 * TS_PACKET_BYTES;
  const chunks: Buffer[] = [];
  for (let at = 0; at < media.length; at += chunkBytes) chunks.push(media.subarray(at, at + chunkBytes));
  return chunks;
}

async function waitUntil(check: () => boolean): Promise<void> {
  for (let i = 0; i < 600 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(check()).toBe(true);
}

describe('HttpOutput (/stream.ts)', () => {
  it('serves the stream to several players at once: the first from its first byte, a later one from the PAT, PMT and next keyframe', async () => {
    const server = await start();
    const { output } = server;
    const first = await play(server);
    expect(first.response.statusCode).toBe(200);
    expect(first.response.headers['content-type']).toBe('video/mp2t');
    await waitUntil(() => output.clients === 1);
    const media = fixture();
    const chunks = fixtureChunks();
    output.write(chunks[0]!);
    const second = await play(server);
    await waitUntil(() => output.clients === 2);
    for (const chunk of chunks.slice(1)) output.write(chunk);
    await server.close();
    await Promise.all([first.ended, second.ended]);
    expect(first.bytes().equals(media)).toBe(true);
    // The fixture's muxer puts a PAT and a PMT just before each keyframe, so the newcomer's bytes are the fixture from there.
    const keyframe = findVideoRandomAccess(media, chunks[0]!.length);
    expect(packetPid(media, keyframe - 2 * TS_PACKET_BYTES)).toBe(PAT_PID);
    expect(second.bytes().equals(media.subarray(keyframe - 2 * TS_PACKET_BYTES))).toBe(true);
  });

  it('forgets a player that goes away', async () => {
    const server = await start();
    const player = await play(server);
    await waitUntil(() => server.clients === 1);
    player.response.destroy();
    await waitUntil(() => server.clients === 0);
    expect(server.output.write(packets(1, 0))).toBeUndefined();
  });

  it('makes a finished stream wait for a player before writing', async () => {
    const server = await start();
    server.output.live = false;
    let written = false;
    const writing = Promise.resolve(server.output.write(packets(2, 3))).then(() => (written = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(written).toBe(false);
    const player = await play(server);
    await writing;
    await server.close();
    await player.ended;
    expect(player.bytes().equals(packets(2, 3))).toBe(true);
  });

  it('answers 503 past the most players it serves at once', async () => {
    const server = await start({ maxPlayers: 1 });
    const first = await play(server);
    expect(first.response.statusCode).toBe(200);
    const second = await play(server);
    await second.ended;
    expect(second.response.statusCode).toBe(503);
    expect(second.response.headers['retry-after']).toBe('5');
    expect(second.bytes().toString()).toContain('too many players');
  });

  it('passes the fixture through byte for byte, in chunks that cut its frames anywhere', async () => {
    const server = await start();
    const player = await play(server);
    await waitUntil(() => server.clients === 1);
    for (const chunk of fixtureChunks()) server.output.write(chunk);
    await server.close();
    await player.ended;
    expect(player.bytes().equals(fixture())).toBe(true);
  });

  it('after a skipped chunk, drops the frame it cut short and goes on at the next video keyframe: a browser fails on broken frames', async () => {
    const server = await start();
    const player = await play(server);
    await waitUntil(() => server.clients === 1);
    const media = fixture();
    const chunks = fixtureChunks();
    const chunkBytes = chunks[0]!.length;
    const SKIPPED = 9;
    for (const [seq, chunk] of chunks.entries()) {
      if (seq === SKIPPED) server.output.skipped();
      else server.output.write(chunk);
    }
    await server.close();
    await player.ended;
    // Up to the frame the skipped chunk would have finished...
    const cutShort = (SKIPPED - 1) * chunkBytes + findLastVideoFrameStart(chunks[SKIPPED - 1]!);
    expect(cutShort).toBeGreaterThan((SKIPPED - 1) * chunkBytes);
    // ...then from the next keyframe on, after the PAT and PMT (which the fixture has just before it).
    const keyframe = findVideoRandomAccess(media, (SKIPPED + 1) * chunkBytes);
    expect(keyframe, 'a keyframe after the skipped chunk, not at the start of the next').toBeGreaterThan((SKIPPED + 1) * chunkBytes);
    const tables = keyframe - 2 * TS_PACKET_BYTES;
    expect(player.bytes().equals(Buffer.concat([media.subarray(0, cutShort), media.subarray(tables)]))).toBe(true);
  });

  it('does not hold back a stream whose muxer flags no keyframes: after a skip the next chunk goes out whole', async () => {
    const server = await start();
    const player = await play(server);
    await waitUntil(() => server.clients === 1);
    server.output.write(packets(3, 1));
    server.output.skipped();
    server.output.write(packets(3, 9));
    await server.close();
    await player.ended;
    expect(player.bytes().equals(Buffer.concat([packets(3, 1), packets(3, 9)]))).toBe(true);
  });

  it('leaves no listener behind on a player that keeps the writes of a finished stream waiting (no MaxListenersExceededWarning)', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      const server = await start();
      server.output.live = false;
      const player = await play(server);
      // A slow reader: one piece every few milliseconds, so the socket stays full and most writes wait for 'drain'.
      player.response.pause();
      const reading = setInterval(() => player.response.read(), 3);
      const media = fixture();
      const chunkBytes = 64 * 1024;
      let waited = 0;
      for (let pass = 0; pass < 10; pass++) {
        for (let at = 0; at < media.length; at += chunkBytes) {
          const written = server.output.write(media.subarray(at, at + chunkBytes));
          if (written) {
            waited += 1;
            await written;
          }
        }
      }
      clearInterval(reading);
      player.response.resume();
      await server.close();
      await player.ended;
      expect(waited, 'writes that waited for the player').toBeGreaterThan(20);
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('stops a finished stream waiting for a player once closed', async () => {
    const server = await start();
    server.output.live = false;
    const writing = server.output.write(packets(1, 0));
    await server.close();
    await expect(writing).resolves.toBeUndefined();
  });
});

describe('packetBoundary', () => {
  it('finds the first sync byte that is followed by more packets', () => {
    expect(packetBoundary(packets(3, 0))).toBe(0);
    const shifted = Buffer.concat([Buffer.from([0x47, 1, 2]), packets(3, 0)]);
    expect(packetBoundary(shifted)).toBe(3);
    expect(packetBoundary(Buffer.alloc(100, 1))).toBe(-1);
  });
});
