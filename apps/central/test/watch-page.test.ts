/// <reference lib="dom" />
// (The functions handed to addInitScript and page.evaluate run in the page.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, REPO_ROOT, startProgram, stopAllPrograms } from '../../../tools/testing/index.js';
import { startPeer, stopAllPeers, type PeerProcess } from '../../../tools/swarm/peer-process.js';
import { CENTRAL_MAIN, CENTRAL_READY } from '../../../tools/swarm/swarm.js';
import { launchChromium, playingVideoTimes, takeMediaErrors, watchedPage } from '../../../tools/browser-bundle/chromium.js';

// Central (from its sources, so it builds the viewer bundle at start) with --ws and --http, a
// Node publisher of the looping fixture with --webrtc, and Debian's Chromium opening the page.
const HOST = '127.0.0.1';
const FIXTURE = join(REPO_ROOT, 'tools/fixtures/test-stream.mpegts');
/** Generous: the programs start under tsx on two shared cores. */
const READY_TIMEOUT_MS = 60_000;
/** From opening the page to half a second played: look-up, data channel, live start-up (a few seconds behind the edge), mpegts.js. */
const PLAYING_TIMEOUT_MS = 60_000;
/** A page reports every 5 s and central refreshes its reading every second; closing a tab reaches central at once. */
const REPORTED_TIMEOUT_MS = 20_000;

let browser: Browser | undefined;
let publisher: PeerProcess | undefined;
let pageBase = '';
let metricsUrl = '';
const dir = mkdtempSync(join(tmpdir(), 'p2pstream-watch-page-'));

beforeAll(async () => {
  const [port, wsPort, httpPort, metricsPort, publisherPort] = [await freePort(HOST), await freePort(HOST), await freePort(HOST), await freePort(HOST), await freePort(HOST)];
  const central = await startProgram(
    CENTRAL_MAIN,
    ['--host', HOST, '--port', String(port), '--ws', `${HOST}:${wsPort}`, '--http', `${HOST}:${httpPort}`, '--metrics', `${HOST}:${metricsPort}`, '--state', 'none'],
    { readyLine: CENTRAL_READY, timeoutMs: READY_TIMEOUT_MS },
  );
  expect(central.stdout()).toContain(`watch pages at http://${HOST}:${httpPort}/watch/NAME`);
  pageBase = `http://${HOST}:${httpPort}`;
  metricsUrl = `http://${HOST}:${metricsPort}/metrics`;
  publisher = await startPeer(
    [
      'publish', 'film', '--source', FIXTURE, '--realtime', '--loop', '--key', join(dir, 'film.key'), '--webrtc',
      '--central', `${HOST}:${port}`, '--host', HOST, '--port', String(publisherPort),
    ],
    { readyTimeoutMs: READY_TIMEOUT_MS },
  );
  browser = await launchChromium();
}, 3 * READY_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await stopAllPeers();
  await stopAllPrograms();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

/** Each test's pages close after it, so central counts only the next test's. */
const contexts: BrowserContext[] = [];
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
});

/** A page in a context (a profile) of its own, with its script errors and media errors kept. */
async function openWatchPage(name: string): Promise<{ page: Page; pageErrors: string[]; context: BrowserContext }> {
  const context = await browser!.newContext();
  contexts.push(context);
  const { page, pageErrors } = await watchedPage(context);
  await page.goto(`${pageBase}/watch/${encodeURIComponent(name)}`);
  return { page, pageErrors, context };
}

/** The value of the sample written exactly as `series` in central's /metrics, or undefined. */
async function metric(series: string): Promise<number | undefined> {
  const line = (await (await fetch(metricsUrl)).text()).split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}


describe("central's watch page in Chromium", () => {
  it('lists the stream at / with a link to its watch page, and the page plays it from the swarm: the video advances, no media error', async () => {
    const list = await (await fetch(`${pageBase}/`)).text();
    expect(list).toContain('href="/watch/film"');

    const { page, pageErrors } = await openWatchPage('film');
    const why = async () => `status: ${await page.locator('#status').textContent()}; stats: ${await page.locator('#stats').textContent()}\npublisher: ${publisher!.describe()}`;
    const times = await playingVideoTimes(page, PLAYING_TIMEOUT_MS, why);
    for (let i = 1; i < times.length; i++) expect(times[i], `${JSON.stringify(times)}; ${await why()}`).toBeGreaterThan(times[i - 1]!);
    expect(await takeMediaErrors(page)).toEqual([]);
    expect(await page.locator('#status').getAttribute('data-problem'), await why()).toBe('no');
    expect(pageErrors).toEqual([]);
  }, PLAYING_TIMEOUT_MS + 30_000);

  it("has the publisher (with --webrtc) print central's watch page in its share line, and that URL serves the stream's page", async () => {
    const [, url] = (await publisher!.waitForStderr(/p2pstream peer ready: publishing film on \S+ — open (\S+) in a browser/, READY_TIMEOUT_MS))!;
    expect(url).toBe(`${pageBase}/watch/film`);
    const response = await fetch(url!);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('"name":"film"');
  });

  it("counts the page among central's browser peers with the QoE it reports, and forgets it once the tab is closed", async () => {
    const { page, context } = await openWatchPage('film');
    await page.waitForFunction(() => document.querySelector('video')!.currentTime > 0.5, undefined, { timeout: PLAYING_TIMEOUT_MS, polling: 250 });
    // A page reports every 5 s: the first report after it played carries its continuity and lag.
    await expect
      .poll(() => metric('p2pstream_central_browser_continuity_worst'), { timeout: REPORTED_TIMEOUT_MS, interval: 500 })
      .toBeGreaterThan(0);
    expect(await metric('p2pstream_central_browser_peers')).toBe(1);
    expect(await metric('p2pstream_central_browser_continuity_mean')).toBeLessThanOrEqual(1);
    expect(await metric('p2pstream_central_browser_lag_seconds_worst')).toBeGreaterThanOrEqual(0);
    const received = (await metric('p2pstream_central_browser_received_bytes{source="peers"}'))! + (await metric('p2pstream_central_browser_received_bytes{source="publisher"}'))!;
    expect(received).toBeGreaterThan(0);
    const stats = (await (await fetch(`${pageBase}/stats.json`)).json()) as { browsers: { viewers: number } };
    expect(stats.browsers.viewers).toBe(1);
    expect(await (await fetch(`${pageBase}/`)).text()).toContain('<dt>watch pages</dt><dd>1</dd>');

    await context.close();
    await expect.poll(() => metric('p2pstream_central_browser_peers'), { timeout: REPORTED_TIMEOUT_MS, interval: 500 }).toBe(0);
    expect(await metric('p2pstream_central_browser_continuity_worst')).toBeNaN();
  }, PLAYING_TIMEOUT_MS + 2 * REPORTED_TIMEOUT_MS + 30_000);
});
