/// <reference lib="dom" />
// (The functions handed to page.evaluate and waitForFunction run in the page, where document and window are.)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:http';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../tools/testing/index.js';
import { loopback, READY_TIMEOUT_MS, startCentral, startPublisher, startViewer, stopEverything, tempDir } from '../e2e/processes.js';
import { expectRising, launchChromium, videoTimeSamples, waitForVideoPlaying, watchedPage } from './chromium.js';

/**
 * `/live.m3u8` of `watch --http` played by hls.js (from npm, served to the page by
 * this test, never fetched from the internet) in a real Chromium, from another
 * origin as a site embedding the stream would: a live swarm on loopback, a
 * publisher looping the fixture, one viewer serving HLS.
 */

const BLOCK = 164;
const PLAYING_TIMEOUT_MS = 45_000;
const SAMPLE_EVERY_MS = 1_500;
const SAMPLES = 5;
const HLS_JS = createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js');

let context: BrowserContext;
let page: Page;
let pageErrors: string[];
let pageServer: Server;

/** A page that plays `playlist` with hls.js and keeps its fatal errors in window.hlsErrors. */
function testPage(playlist: string): string {
  return `<!doctype html><meta charset="utf-8"><video muted autoplay playsinline></video>
<script src="/hls.min.js"></script>
<script>
  window.hlsErrors = [];
  const video = document.querySelector('video');
  const hls = new Hls({ liveSyncDurationCount: 2 });
  hls.on(Hls.Events.ERROR, (_, data) => { if (data.fatal) window.hlsErrors.push(data.type + ': ' + data.details); });
  hls.loadSource(${JSON.stringify(playlist)});
  hls.attachMedia(video);
  video.play().catch(() => {});
</script>`;
}

beforeAll(async () => {
  const dir = tempDir();
  const central = await startCentral(BLOCK);
  await startPublisher({ central, host: loopback(BLOCK, 2), name: 'hls', dir, realtime: true, loop: true });
  const viewerHttp = `${loopback(BLOCK, 3)}:${await freePort(loopback(BLOCK, 3))}`;
  const pageHost = loopback(BLOCK, 4);
  const pagePort = await freePort(pageHost);
  const html = testPage(`http://${viewerHttp}/live.m3u8`);
  pageServer = createServer((request, response) => {
    if (request.url === '/hls.min.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(HLS_JS));
    else response.writeHead(200, { 'content-type': 'text/html' }).end(html);
  });
  await new Promise<void>((resolve) => pageServer.listen(pagePort, pageHost, resolve));
  const [, browserContext] = await Promise.all([
    startViewer({ central, host: loopback(BLOCK, 3), name: 'hls', dir, args: ['--http', viewerHttp] }),
    launchChromium(dir),
  ]);
  context = browserContext;
  ({ page, pageErrors } = await watchedPage(context));
  await page.goto(`http://${pageHost}:${pagePort}/`);
}, 3 * READY_TIMEOUT_MS);

afterAll(async () => {
  await context?.close();
  await new Promise((resolve) => pageServer?.close(resolve));
  await stopEverything();
}, 30_000);

describe('HLS in Chromium with hls.js', { timeout: PLAYING_TIMEOUT_MS + SAMPLES * SAMPLE_EVERY_MS + 15_000 }, () => {
  it('plays /live.m3u8: currentTime keeps advancing, with no fatal hls.js error and no media error', async () => {
    await waitForVideoPlaying(page, PLAYING_TIMEOUT_MS);
    const times = await videoTimeSamples(page, SAMPLES, SAMPLE_EVERY_MS);
    console.log(`currentTime samples: ${times.map((t) => t.toFixed(2)).join(', ')}`);
    expectRising(times);
    expect(await page.evaluate(() => (window as unknown as { hlsErrors: string[] }).hlsErrors)).toEqual([]);
    expect(await page.evaluate(() => document.querySelector('video')!.error)).toBeNull();
    expect(pageErrors).toEqual([]);
  });
});
