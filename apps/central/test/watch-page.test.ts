/// <reference lib="dom" />
// (The functions handed to addInitScript and page.evaluate run in the page.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, REPO_ROOT, startProgram, stopAllPrograms } from '../../../tools/testing/index.js';
import { startPeer, stopAllPeers, type PeerProcess } from '../../../tools/swarm/peer-process.js';
import { CENTRAL_MAIN, CENTRAL_READY } from '../../../tools/swarm/swarm.js';
import { launchChromium, takeMediaErrors, watchedPage } from '../../../tools/browser-bundle/chromium.js';

// Central (from its sources, so it builds the viewer bundle at start) with --ws and --http, a
// Node publisher of the looping fixture with --webrtc, and Debian's Chromium opening the page.
const HOST = '127.0.0.1';
const FIXTURE = join(REPO_ROOT, 'tools/fixtures/test-stream.mpegts');
/** Generous: the programs start under tsx on two shared cores. */
const READY_TIMEOUT_MS = 60_000;
/** From opening the page to half a second played: look-up, data channel, live start-up (a few seconds behind the edge), mpegts.js. */
const PLAYING_TIMEOUT_MS = 60_000;

let browser: Browser | undefined;
let publisher: PeerProcess | undefined;
let pageBase = '';
const dir = mkdtempSync(join(tmpdir(), 'p2pstream-watch-page-'));

beforeAll(async () => {
  const [port, wsPort, httpPort, publisherPort] = [await freePort(HOST), await freePort(HOST), await freePort(HOST), await freePort(HOST)];
  const central = await startProgram(
    CENTRAL_MAIN,
    ['--host', HOST, '--port', String(port), '--ws', `${HOST}:${wsPort}`, '--http', `${HOST}:${httpPort}`, '--state', 'none'],
    { readyLine: CENTRAL_READY, timeoutMs: READY_TIMEOUT_MS },
  );
  expect(central.stdout()).toContain(`watch pages at http://${HOST}:${httpPort}/watch/NAME`);
  pageBase = `http://${HOST}:${httpPort}`;
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

/** A page in a context (a profile) of its own, with its script errors and media errors kept. */
async function openWatchPage(name: string): Promise<{ page: Page; pageErrors: string[] }> {
  const { page, pageErrors } = await watchedPage(await browser!.newContext());
  await page.goto(`${pageBase}/watch/${encodeURIComponent(name)}`);
  return { page, pageErrors };
}

const videoTime = (page: Page): Promise<number> => page.evaluate(() => document.querySelector('video')!.currentTime);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("central's watch page in Chromium", () => {
  it('lists the stream at / with a link to its watch page, and the page plays it from the swarm: the video advances, no media error', async () => {
    const list = await (await fetch(`${pageBase}/`)).text();
    expect(list).toContain('href="/watch/film"');

    const { page, pageErrors } = await openWatchPage('film');
    const why = async () => `status: ${await page.locator('#status').textContent()}; stats: ${await page.locator('#stats').textContent()}\npublisher: ${publisher!.describe()}`;
    await page
      .waitForFunction(() => document.querySelector('video')!.currentTime > 0.5, undefined, { timeout: PLAYING_TIMEOUT_MS, polling: 250 })
      .catch(async (error: unknown) => {
        throw new Error(`the video did not start: ${await why()}`, { cause: error });
      });
    const times = [await videoTime(page)];
    for (let i = 0; i < 3; i++) {
      await pause(1_000);
      times.push(await videoTime(page));
    }
    for (let i = 1; i < times.length; i++) expect(times[i], `${JSON.stringify(times)}; ${await why()}`).toBeGreaterThan(times[i - 1]!);
    expect(await takeMediaErrors(page)).toEqual([]);
    expect(await page.locator('#status').getAttribute('data-problem'), await why()).toBe('no');
    expect(pageErrors).toEqual([]);
  }, PLAYING_TIMEOUT_MS + 30_000);
});
