/// <reference lib="dom" />
// (The functions handed to page.evaluate and waitForFunction run in the page, where document and window are.)
import { get } from 'node:http';
import { DEFAULT_CHUNK_MS } from '@p2pstream/data';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../tools/testing/index.js';
import { waitUntil } from '../../../../tools/swarm/wait.js';
import type { SwarmReport } from '../../src/swarm-report.js';
import {
  FIXTURE_SECONDS,
  loopback,
  READY_TIMEOUT_MS,
  runFor,
  startCentral,
  startPublisher,
  startViewer,
  stopEverything,
  tempDir,
  type Central,
} from '../e2e/processes.js';
import { expectRising, launchChromium, screenshot, takeMediaErrors, videoTime, videoTimeSamples, waitForVideoPlaying, watchedPage } from './chromium.js';

/**
 * The web page of `watch --http` in a real Chromium (Debian's, headless, driven by
 * playwright-core), against a real swarm on loopback: central with its status page, a
 * publisher playing the committed fixture live (`--realtime --loop`), the viewer whose
 * page is opened, and a second viewer so the first has a peer besides the publisher.
 */

const BLOCK = 12;
const NAME = 'browser';
/** Generous for a page on two busy cores: the player needs the swarm's first chunks, then a keyframe. */
const PLAYING_TIMEOUT_MS = 30_000;
/** currentTime is read this often, this many times: it must grow every time. */
const SAMPLE_EVERY_MS = 1_500;
const SAMPLES = 5;
/**
 * The publisher loops the fixture, shifting its timestamps on so time runs on across
 * the loop point: a pass is LOOP_CHUNKS chunks. The page's player runs up to 12 chunks
 * behind the viewer's playhead, so it has crossed a loop point LOOP_MARGIN chunks after it.
 */
const LOOP_CHUNKS = (FIXTURE_SECONDS * 1000) / DEFAULT_CHUNK_MS;
const LOOP_MARGIN = 14;

let central: Central;
let centralPage: string;
let viewerPage: string;
let context: BrowserContext;
let page: Page;
let pageErrors: string[];

beforeAll(async () => {
  const dir = tempDir();
  const centralHttp = `${loopback(BLOCK, 1)}:${await freePort(loopback(BLOCK, 1))}`;
  centralPage = `http://${centralHttp}/`;
  central = await startCentral(BLOCK, { args: ['--http', centralHttp] });
  await startPublisher({ central, host: loopback(BLOCK, 2), name: NAME, dir, realtime: true, loop: true });
  const viewerHttp = `${loopback(BLOCK, 3)}:${await freePort(loopback(BLOCK, 3))}`;
  viewerPage = `http://${viewerHttp}/`;
  const [, browserContext] = await Promise.all([
    startViewer({ central, host: loopback(BLOCK, 3), name: NAME, dir, args: ['--http', viewerHttp] }),
    launchChromium(dir),
  ]);
  context = browserContext;
  await startViewer({ central, host: loopback(BLOCK, 4), name: NAME, dir });
  ({ page, pageErrors } = await watchedPage(context));
  await page.goto(viewerPage);
}, 3 * READY_TIMEOUT_MS);

afterAll(async () => {
  await context?.close();
  await stopEverything();
}, 30_000);

/** The viewer's playhead (a chunk number), from the report the page's panel shows. */
async function peerPlayhead(): Promise<number | null> {
  const report = (await (await fetch(new URL('/stats.json', viewerPage))).json()) as SwarmReport;
  return report.window.playhead;
}

/** Times the page's player was started again, as it shows under the video. */
async function recoveries(): Promise<number> {
  const text = (await page.locator('#player-recoveries').textContent()) ?? '';
  return Number(/recovered (\d+)×/.exec(text)?.[1] ?? 0);
}

describe('the web page of watch --http, in Chromium', { timeout: PLAYING_TIMEOUT_MS + FIXTURE_SECONDS * 1000 + SAMPLES * SAMPLE_EVERY_MS + 15_000 }, () => {
  it('plays the live stream: the video’s currentTime keeps advancing and no media error occurs', async () => {
    await waitForVideoPlaying(page, PLAYING_TIMEOUT_MS);
    await takeMediaErrors(page);
    const times = await videoTimeSamples(page, SAMPLES, SAMPLE_EVERY_MS);
    console.log(`currentTime samples: ${times.map((t) => t.toFixed(2)).join(', ')}`);
    expectRising(times);
    expect(await takeMediaErrors(page)).toEqual([]);
    expect(await page.evaluate(() => document.querySelector('video')!.error)).toBeNull();
    expect(await page.locator('#unmute').isVisible()).toBe(true);
    expect(pageErrors).toEqual([]);
  });

  it('shows the swarm panel moving: at least one peer, a continuity figure, the buffer window', async () => {
    await page.waitForFunction(() => Number(document.getElementById('peer-count')!.textContent) >= 1, undefined, { timeout: 15_000 });
    await expect.poll(() => page.locator('#q-continuity').textContent(), { timeout: 10_000 }).toMatch(/^\d+(\.\d)? % \(\d+ played\)$/);
    expect(await page.locator('#peers td').first().textContent()).toMatch(/^127\.0\.12\.\d+:\d+/);
    expect(await page.locator('#chunks .chunk.played').count()).toBeGreaterThan(0);
    const updated = await page.locator('#panel-status').textContent();
    await expect.poll(() => page.locator('#panel-status').textContent(), { timeout: 10_000 }).not.toBe(updated);
    await screenshot(page, 'viewer-page.png');
  });

  it('serves the same numbers as the panel at /stats.json', async () => {
    const report = (await (await fetch(new URL('/stats.json', viewerPage))).json()) as SwarmReport;
    expect(report).toMatchObject({ name: NAME, state: 'playing', live: true });
    expect(report.peers.length).toBeGreaterThanOrEqual(1);
    expect(report.quality.continuity).toBeGreaterThan(0);
    expect(report.window.chunks.length).toBeGreaterThan(0);
  });

  it('serves the raw stream at /stream.ts, starting at an MPEG-TS sync byte', async () => {
    const { type, first } = await new Promise<{ type: string | undefined; first: number }>((resolve, reject) => {
      const request = get(new URL('/stream.ts', viewerPage), (response) => {
        response.once('data', (piece: Buffer) => {
          resolve({ type: response.headers['content-type'], first: piece[0]! });
          response.destroy();
        });
      });
      request.once('error', reject);
    });
    expect(type).toBe('video/mp2t');
    expect(first).toBe(0x47);
  });

  it('plays on across the loop point of the looped fixture without starting the player again', async () => {
    const earlier = await recoveries();
    const start = await peerPlayhead();
    expect(start).not.toBeNull();
    const loopPoint = Math.ceil((start! + 1) / LOOP_CHUNKS) * LOOP_CHUNKS;
    const times = [await videoTime(page)];
    // Bounded: a pass and the margin at most, sampled every SAMPLE_EVERY_MS.
    const maxSamples = Math.ceil(((LOOP_CHUNKS + LOOP_MARGIN) * DEFAULT_CHUNK_MS + 10_000) / SAMPLE_EVERY_MS);
    for (let i = 0; i < maxSamples && ((await peerPlayhead()) ?? 0) < loopPoint + LOOP_MARGIN; i++) {
      await runFor(SAMPLE_EVERY_MS);
      times.push(await videoTime(page));
    }
    expect((await peerPlayhead()) ?? 0, 'the viewer got past the loop point').toBeGreaterThanOrEqual(loopPoint + LOOP_MARGIN);
    console.log(`currentTime across the loop point at chunk ${loopPoint}: ${times.map((t) => t.toFixed(2)).join(', ')}`);
    expectRising(times);
    expect(await recoveries()).toBe(earlier);
    expect(await page.evaluate(() => document.querySelector('video')!.error)).toBeNull();
  });

  it('lists the stream on central’s status page, with its peers and a link to a local player', async () => {
    const status = await context.newPage();
    await status.goto(centralPage);
    await waitUntil('central’s page to list the stream with its peers', async () => (await status.locator(`section[data-stream="${NAME}"] .peer`).count()) >= 2, {
      timeoutMs: 10_000,
      describe: () => `page at ${centralPage}`,
    });
    expect(await status.locator(`section[data-stream="${NAME}"]`).textContent()).toContain('live');
    expect(await status.locator('a[href="http://127.0.0.1:8080/"]').count()).toBeGreaterThan(0);
    await screenshot(status, 'central-page.png');
    await status.close();
  });
});
