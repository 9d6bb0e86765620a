import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { PAT_PID, packetPid } from '@p2pstream/data';
import { freePort } from '../../../../tools/testing/index.js';
import { startPeer } from '../../../../tools/swarm/peer-process.js';
import { waitUntil } from '../../../../tools/swarm/wait.js';
import {
  fixtureBytesPerSecond,
  loopback,
  peerFlags,
  READY_TIMEOUT_MS,
  startCentral,
  startPublisher,
  stopEverything,
  tempDir,
  waitForPublisherStats,
} from './processes.js';

/**
 * What a player sees when it joins a live stream mid-way: `watch --out -` and
 * `/stream.ts` must begin where a decoder can (the PAT and PMT, then a video
 * keyframe), so ffmpeg — the decoder mpv and VLC share — reports no error on the
 * first seconds. Checked with the ffmpeg program, as a user would.
 */

const BLOCK = 161;
/** Join once the looping publisher has cut this many chunks: well into the stream, mid-way through a group of pictures most likely. */
const JOIN_AFTER_CHUNKS = 13;
/** ffmpeg decodes this much of what the viewer wrote, as the check says. */
const CHECK_SECONDS = 5;
const TIMEOUT_MS = 3 * READY_TIMEOUT_MS + 60_000;

afterEach(stopEverything, 30_000);

/** What `ffmpeg -v error` prints decoding the first CHECK_SECONDS of `input` (a URL, or bytes fed on stdin), and its exit code. */
function ffmpegErrors(input: string | Buffer): Promise<{ code: number | null; errors: string }> {
  return new Promise((resolve, reject) => {
    const args = ['-nostdin', '-v', 'error', '-i', typeof input === 'string' ? input : 'pipe:0', '-t', String(CHECK_SECONDS), '-f', 'null', '-'];
    const ffmpeg = spawn('ffmpeg', args, { stdio: [typeof input === 'string' ? 'ignore' : 'pipe', 'ignore', 'pipe'] });
    let errors = '';
    ffmpeg.stderr!.setEncoding('utf8').on('data', (text: string) => (errors += text));
    ffmpeg.once('error', reject);
    ffmpeg.once('exit', (code) => resolve({ code, errors }));
    const timer = setTimeout(() => ffmpeg.kill('SIGKILL'), 60_000);
    ffmpeg.once('exit', () => clearTimeout(timer));
    if (typeof input !== 'string') {
      ffmpeg.stdin!.on('error', () => undefined);
      ffmpeg.stdin!.end(input);
    }
  });
}

async function livePublisher(dir: string) {
  const central = await startCentral(BLOCK);
  const publisher = await startPublisher({ central, host: loopback(BLOCK, 2), name: 'live', dir, realtime: true, loop: true });
  await waitForPublisherStats(publisher, `${JOIN_AFTER_CHUNKS} chunks cut`, (line) => line.chunks >= JOIN_AFTER_CHUNKS, READY_TIMEOUT_MS);
  return central;
}

describe('a player joining a live stream mid-way', { timeout: TIMEOUT_MS }, () => {
  it('gets from watch --out - a stream that starts with the PAT and decodes without an error from its first byte', async () => {
    const central = await livePublisher(tempDir());
    const viewer = await startPeer(['watch', 'live', '--out', '-', ...(await peerFlags(central, loopback(BLOCK, 3)))], {
      stdout: 'keep',
      readyTimeoutMs: READY_TIMEOUT_MS,
    });
    const enough = (CHECK_SECONDS + 2) * fixtureBytesPerSecond();
    await waitUntil(`${enough} bytes on stdout`, () => viewer.stdout().length >= enough, {
      timeoutMs: READY_TIMEOUT_MS,
      intervalMs: 250,
      describe: () => `${viewer.stdout().length} bytes; ${viewer.describe()}`,
    });
    const output = viewer.stdout();
    const { code, errors } = await ffmpegErrors(output);
    expect(errors).toBe('');
    expect(code).toBe(0);
    expect(packetPid(output, 0), 'the first packet is the PAT').toBe(PAT_PID);
  });

  it('gets from /stream.ts a stream that decodes without an error from its first byte', async () => {
    const central = await livePublisher(tempDir());
    const httpHost = loopback(BLOCK, 4);
    const http = `${httpHost}:${await freePort(httpHost)}`;
    await startPeer(['watch', 'live', '--http', http, ...(await peerFlags(central, loopback(BLOCK, 4)))], { readyTimeoutMs: READY_TIMEOUT_MS });
    const first = await new Promise<Buffer>((resolve, reject) => {
      get(`http://${http}/stream.ts`, (response) => response.once('data', (bytes: Buffer) => (response.destroy(), resolve(bytes)))).once('error', reject);
    });
    const { code, errors } = await ffmpegErrors(`http://${http}/stream.ts`);
    expect(errors).toBe('');
    expect(code).toBe(0);
    expect(packetPid(first, 0), 'the first packet is the PAT').toBe(PAT_PID);
  });
});
