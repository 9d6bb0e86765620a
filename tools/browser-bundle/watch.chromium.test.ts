/// <reference lib="dom" />
// (The functions given to page.evaluate run in the page, where window and the bundle's exports are.)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoopTimestamps } from '@p2pstream/data';
import { freePort, REPO_ROOT, startProgram, stopAllPrograms } from '../testing/index.js';
import { matchRuns, stretchCopyProblem } from '../swarm/mpegts-check.js';
import { startPeer, stopAllPeers, type PeerProcess } from '../swarm/peer-process.js';
import { CENTRAL_MAIN, CENTRAL_READY } from '../swarm/swarm.js';
import { buildBrowserBundle } from './build.js';
import { launchChromium } from './chromium.js';

// A real central (with its WebSocket endpoint) and a real Node publisher run with --webrtc,
// as child processes on loopback; Chromium watches through the bundle's watch().
const HOST = '127.0.0.1';
const FIXTURE = join(REPO_ROOT, 'tools/fixtures/test-stream.mpegts');
/** Generous: the programs start under tsx on two shared cores. */
const READY_TIMEOUT_MS = 60_000;
/** About 5 s of the fixture (1.5 MB in 20 s): enough to cross several chunks. */
const WANTED_BYTES = 400_000;
const WATCH_TIMEOUT_MS = 60_000;
/** The fixture's own rate (1.5 MB in 20 s), in bytes per second. */
const FIXTURE_BYTES_PER_SECOND = Math.round(readFileSync(join(REPO_ROOT, 'tools/fixtures/test-stream.mpegts')).length / 20);
/** How long each page of the re-share test watches: long enough for both to settle on whom they fetch from. */
const SHARE_WATCH_MS = 25_000;
const PAGE = '<!doctype html><meta charset="utf-8"><script type="module">import * as p2p from "/bundle.js"; window.p2p = p2p;</script>';

type Bundle = typeof import('../../packages/peer-client/src/browser.js');
declare global {
  interface Window {
    p2p: Bundle;
  }
}

let server: Server | undefined;
let browser: Browser | undefined;
let publisher: PeerProcess | undefined;
let capped: PeerProcess | undefined;
let centralWs = '';
const dir = mkdtempSync(join(tmpdir(), 'p2pstream-browser-watch-'));

beforeAll(async () => {
  const [port, wsPort, publisherPort, cappedPort] = [await freePort(HOST), await freePort(HOST), await freePort(HOST), await freePort(HOST)];
  await startProgram(CENTRAL_MAIN, ['--host', HOST, '--port', String(port), '--ws', `${HOST}:${wsPort}`, '--state', 'none'], {
    readyLine: CENTRAL_READY,
    timeoutMs: READY_TIMEOUT_MS,
  });
  centralWs = `ws://${HOST}:${wsPort}/ws`;
  publisher = await startPeer(
    ['publish', 'film', '--source', FIXTURE, '--realtime', '--key', join(dir, 'film.key'), '--webrtc', '--central', `${HOST}:${port}`, '--host', HOST, '--port', String(publisherPort)],
    { readyTimeoutMs: READY_TIMEOUT_MS },
  );
  // Its upload capped at 1.3 times the stream's rate: it cannot feed two pages alone, so they have to share.
  capped = await startPeer(
    [
      'publish', 'capped', '--source', FIXTURE, '--realtime', '--loop', '--upload-limit', String(Math.round(1.3 * FIXTURE_BYTES_PER_SECOND)),
      '--key', join(dir, 'capped.key'), '--webrtc', '--central', `${HOST}:${port}`, '--host', HOST, '--port', String(cappedPort),
    ],
    { readyTimeoutMs: READY_TIMEOUT_MS },
  );
  const { code } = await buildBrowserBundle();
  server = createServer((request, response) => {
    if (request.url === '/bundle.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(code);
    else if (request.url === '/') response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server!.listen(0, HOST, resolve));
  browser = await launchChromium();
}, 3 * READY_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await stopAllPeers();
  await stopAllPrograms();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

interface Watched {
  bytes: string;
  stats: ReturnType<import('../../packages/peer-client/src/browser.js').BrowserViewer['stats']>;
  warnings: string[];
}

/** Opens a page in a context (a profile) of its own and watches `stream` there for `ms`; the bytes come back as base64. */
async function watchInNewPage(stream: string, ms: number): Promise<Watched> {
  const context = await browser!.newContext();
  const page = await context.newPage();
  await page.goto(`http://${HOST}:${(server!.address() as AddressInfo).port}/`);
  await page.waitForFunction(() => window.p2p !== undefined, undefined, { timeout: 20_000 });
  return page.evaluate(
    async ({ central, stream, ms }) => {
      const pieces: Uint8Array[] = [];
      const warnings: string[] = [];
      const viewer = await window.p2p.watch({ central, stream, onBytes: (bytes) => pieces.push(new Uint8Array(bytes)), onWarning: (error) => warnings.push(error.message) });
      await new Promise((resolve) => setTimeout(resolve, ms));
      const stats = viewer.stats();
      await viewer.close();
      let binary = '';
      for (const piece of pieces) for (let i = 0; i < piece.length; i += 0x8000) binary += String.fromCharCode(...piece.subarray(i, i + 0x8000));
      return { bytes: btoa(binary), stats, warnings };
    },
    { central: centralWs, stream, ms },
  );
}

/** The fixture played `times` times over, as a publisher with `--loop` sends it: each pass's timestamps shifted on. */
function loopedFixture(times: number): Buffer {
  const once = readFileSync(FIXTURE);
  const timestamps = new LoopTimestamps();
  const passes: Uint8Array[] = [];
  for (let pass = 0; pass < times; pass++) passes.push(timestamps.push(once), timestamps.endLoop());
  return Buffer.concat(passes);
}

describe('watch() in Chromium', () => {
  it('gets a live stream from a Node publisher over a data channel: verified MPEG-TS, in order, from a random-access point', async () => {
    const page = await browser!.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`http://${HOST}:${(server!.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => window.p2p !== undefined, undefined, { timeout: 20_000 });

    const result = await page.evaluate(
      async ({ central, wanted, timeoutMs }) => {
        const pieces: Uint8Array[] = [];
        const warnings: string[] = [];
        let total = 0;
        let enough: () => void = () => undefined;
        const gotEnough = new Promise<void>((resolve) => (enough = resolve));
        const viewer = await window.p2p.watch({
          central,
          stream: 'film',
          onBytes: (bytes) => {
            pieces.push(new Uint8Array(bytes));
            total += bytes.length;
            if (total >= wanted) enough();
          },
          onWarning: (error) => warnings.push(error.message),
        });
        await Promise.race([gotEnough, new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
        const stats = viewer.stats();
        await viewer.close();
        let binary = '';
        for (const piece of pieces) for (let i = 0; i < piece.length; i += 0x8000) binary += String.fromCharCode(...piece.subarray(i, i + 0x8000));
        return { bytes: btoa(binary), stats, warnings };
      },
      { central: centralWs, wanted: WANTED_BYTES, timeoutMs: WATCH_TIMEOUT_MS },
    );
    const output = Buffer.from(result.bytes, 'base64');
    const why = `page warnings: ${result.warnings.join('; ')}\npublisher: ${publisher!.describe()}`;
    expect(output.length, why).toBeGreaterThanOrEqual(WANTED_BYTES);
    // The PAT and PMT first, then a keyframe and the fixture's bytes from there on, nothing left out.
    expect(stretchCopyProblem(output, readFileSync(FIXTURE), { toEnd: false, leadingPackets: 2 }), why).toBeUndefined();
    expect(result.stats.bytesFromPublisher).toBeGreaterThan(0);
    expect(result.stats.badChunks).toBe(0);
    expect(pageErrors).toEqual([]);
  }, WATCH_TIMEOUT_MS + 30_000);

  it('re-shares: of two pages watching a publisher that cannot feed both, one gets chunks from the other, and both play verified copies of the stream in order', async () => {
    const first = watchInNewPage('capped', SHARE_WATCH_MS);
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const second = watchInNewPage('capped', SHARE_WATCH_MS);
    const pages = await Promise.all([first, second]);
    const why = `stats: ${JSON.stringify(pages.map((p) => p.stats))}\nwarnings: ${pages.map((p) => p.warnings.join('; ')).join(' | ')}\npublisher: ${capped!.describe()}`;
    const source = loopedFixture(Math.ceil((Date.now() - capped!.startedAt) / 20_000) + 2);
    for (const watched of pages) {
      const output = Buffer.from(watched.bytes, 'base64');
      expect(output.length, why).toBeGreaterThan(0);
      // A PAT and a PMT first (pid 0, then the PMT's), then copies of the source in order: a chunk
      // this stingy publisher could not deliver in time is skipped, and leaves a gap, never other bytes.
      expect(output[0] === 0x47 && ((output[1]! & 0x1f) << 8 | output[2]!) === 0, why).toBe(true);
      expect(matchRuns(output.subarray(2 * 188), source).mismatchAt, why).toBeUndefined();
      expect(watched.stats.badChunks).toBe(0);
    }
    // Bytes one page took from the other (no other peer carries this stream) and the other served.
    expect(pages[0]!.stats.bytesFromPeers + pages[1]!.stats.bytesFromPeers, why).toBeGreaterThan(0);
    expect(pages[0]!.stats.bytesUploaded + pages[1]!.stats.bytesUploaded, why).toBeGreaterThan(0);
  }, SHARE_WATCH_MS + 60_000);
});
