/// <reference lib="dom" />
// (The functions handed to addInitScript, waitForFunction and page.evaluate run in the page.)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, REPO_ROOT, startProgram, stopAllPrograms } from '../../../tools/testing/index.js';
import { startPeer, stopAllPeers, type PeerProcess } from '../../../tools/swarm/peer-process.js';
import { continuityBetween as viewerContinuityBetween, lastLine, readPublisherStats, readViewerStats } from '../../../tools/swarm/stats-file.js';
import { CENTRAL_MAIN, CENTRAL_READY } from '../../../tools/swarm/swarm.js';
import { waitUntil } from '../../../tools/swarm/wait.js';
import { launchChromium, takeMediaErrors, watchedPage, watchPageStats, type BrowserViewerStats } from '../../../tools/browser-bundle/chromium.js';

// Issue 20's swarm of browsers: a real central (--http --ws), a Node publisher of the looping
// fixture capped at twice the stream's rate, one Node viewer, and six Chromium profiles on
// central's watch page. One set-up, three phases in order (each `it` goes on from the last):
// the six watch; two tabs close; a seventh page that corrupts what it uploads joins.
const FIXTURE = join(REPO_ROOT, 'tools/fixtures/test-stream.mpegts');
/** The fixture's own rate: its bytes over its 20.02 s (ffprobe), bytes per second. */
const STREAM_BYTES_PER_SECOND = readFileSync(FIXTURE).length / 20.02;
/** The publisher's --upload-limit, as a multiple of the stream: it cannot feed six pages and a viewer alone. */
const PUBLISHER_CAP = 2;
const PAGES = 6;
/** Tabs closed mid-stream. */
const CLOSED = 2;
/** Every page announces an entry from 127.0.0.1 (the browser's address as central sees it): the honest ones and the attacker. */
const ENTRIES_PER_IP = PAGES + 2;
/** Generous: the programs start under tsx on two shared cores, and central builds the page's bundle. */
const READY_TIMEOUT_MS = 60_000;
/** From opening the pages to every one having played a second: look-up, data channels, live start-up, mpegts.js. */
const PLAYING_TIMEOUT_MS = 45_000;
/** How long the six watch together once all play: enough for the pages to settle on fetching from each other. */
const SWARM_MS = 20_000;
/** How long the four left watch on after two tabs closed: longer than a request's timeout, so a chunk lost with a tab would show. */
const AFTER_CLOSE_MS = 10_000;
/** From the attacker's page opening to some victim catching its first bad chunk. */
const ATTACK_TIMEOUT_MS = 30_000;
/**
 * How long the victims watch on once the attacker was first caught: past a dropped peer's redial
 * backoff (10 s, peer-client's DEFAULT_REDIAL_BACKOFF_MS) and a look-up, so a victim that only
 * dropped it, without the ban, would have dialed it again and caught a second bad chunk.
 */
const AFTER_BAN_MS = 15_000;
/** How long a playing video may take to move on a second. */
const ADVANCE_TIMEOUT_MS = 8_000;
const MIN_CONTINUITY = 0.99;
/** The least share of the pages' chunk bytes that came from pages or the Node viewer, not the publisher. */
const MIN_SHARE_FROM_PEERS = 0.5;
/** `p2pstream peer: 127.0.0.1:PORT sent a chunk (SEQ) that does not verify; dropped it for good`, the Node viewer's log line. */
const VIEWER_BAN_LINE = /p2pstream peer: (\S+) sent a chunk \((\d+)\) that does not verify; dropped it for good/g;

declare global {
  interface Window {
    /** The attacker's own count of chunk pieces it corrupted (its init script below). */
    testCorrupted: number;
  }
}

interface WatchPage {
  context: BrowserContext;
  page: Page;
  pageErrors: string[];
  /** The viewer's warnings the page logged (`p2pstream: dropped peer …`). */
  warnings: string[];
}

let browser: Browser | undefined;
let publisher: PeerProcess | undefined;
let viewer: PeerProcess | undefined;
let pageBase = '';
const dir = mkdtempSync(join(tmpdir(), 'p2pstream-watch-swarm-'));
const publisherStats = join(dir, 'publisher.jsonl');
const viewerStats = join(dir, 'viewer.jsonl');
const pages: WatchPage[] = [];

beforeAll(async () => {
  const [port, wsPort, httpPort] = [await freePort('127.0.0.1'), await freePort('127.0.0.1'), await freePort('127.0.0.1')];
  const central = `127.0.0.1:${port}`;
  await startProgram(
    CENTRAL_MAIN,
    [
      '--host', '127.0.0.1', '--port', String(port), '--ws', `127.0.0.1:${wsPort}`, '--http', `127.0.0.1:${httpPort}`,
      '--max-entries-per-ip', String(ENTRIES_PER_IP), '--state', 'none',
    ],
    { readyLine: CENTRAL_READY, timeoutMs: READY_TIMEOUT_MS },
  );
  pageBase = `http://127.0.0.1:${httpPort}`;
  // The Node peers on addresses of their own, so a ban of the pages' 127.0.0.1 is not a ban of them.
  publisher = await startPeer(
    [
      'publish', 'live', '--source', FIXTURE, '--loop', '--key', join(dir, 'live.key'), '--webrtc', '--stats', publisherStats,
      '--upload-limit', String(Math.round(PUBLISHER_CAP * STREAM_BYTES_PER_SECOND)), '--central', central, '--host', '127.0.0.2', '--port', '0',
    ],
    { readyTimeoutMs: READY_TIMEOUT_MS },
  );
  viewer = await startPeer(
    ['watch', 'live', '--out', '/dev/null', '--webrtc', '--stats', viewerStats, '--central', central, '--host', '127.0.0.3', '--port', '0'],
    { readyTimeoutMs: READY_TIMEOUT_MS },
  );
  browser = await launchChromium();
}, 3 * READY_TIMEOUT_MS + 30_000);

afterAll(async () => {
  await browser?.close();
  await stopAllPeers();
  await stopAllPrograms();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

/** Central's watch page in a context (a profile) of its own; `prepare` runs first in that profile (the attacker's tampering). */
async function openWatchPage(prepare?: (context: BrowserContext) => Promise<unknown>): Promise<WatchPage> {
  // A small picture: six of them are drawn on two shared cores.
  const context = await browser!.newContext({ viewport: { width: 480, height: 360 } });
  await prepare?.(context);
  // For a failure's message: what the video element went through (a stall, a seek of the player's latency chasing, an error).
  await context.addInitScript(() => {
    const events: string[] = [];
    Object.defineProperty(window, 'testVideoEvents', { value: events });
    document.addEventListener('DOMContentLoaded', () => {
      const video = document.querySelector('video')!;
      for (const type of ['pause', 'waiting', 'error', 'seeking']) video.addEventListener(type, () => events.push(`${type} at ${video.currentTime.toFixed(2)}`));
    });
  });
  const { page, pageErrors } = await watchedPage(context);
  const warnings: string[] = [];
  page.on('console', (message) => message.type() === 'warning' && warnings.push(message.text()));
  await page.goto(`${pageBase}/watch/live`);
  return { context, page, pageErrors, warnings };
}

const statsOf = async ({ page }: WatchPage): Promise<BrowserViewerStats> => {
  const stats = await watchPageStats(page);
  if (!stats) throw new Error(`the page is not watching yet: ${await page.locator('#status').textContent()}`);
  return stats;
};
/** A page's continuity between two of its readings: chunks played ÷ chunks due (played or skipped) in between; 1 when none fell due. */
function continuityBetween(earlier: BrowserViewerStats, later: BrowserViewerStats): number {
  const played = later.played - earlier.played;
  const due = played + later.skipped - earlier.skipped;
  return due === 0 ? 1 : played / due;
}

const videoTime = ({ page }: WatchPage): Promise<number> => page.evaluate(() => document.querySelector('video')!.currentTime);

/**
 * Every page's video moves on a second past where it is now, within ADVANCE_TIMEOUT_MS (a starved
 * renderer may pause a moment; a stalled or failed video never moves), with no media error and no script error.
 */
async function expectPlaying(watched: readonly WatchPage[], why: () => Promise<string>): Promise<void> {
  const before = await Promise.all(watched.map(videoTime));
  const advanced = await Promise.all(
    watched.map(({ page }, i) =>
      page
        .waitForFunction((from) => document.querySelector('video')!.currentTime > from + 1, before[i]!, { timeout: ADVANCE_TIMEOUT_MS, polling: 250 })
        .then(() => true, () => false),
    ),
  );
  for (const [i, page] of watched.entries()) {
    expect(advanced[i], `page ${i}'s video stood still at ${before[i]} s; ${await why()}`).toBe(true);
    expect(await takeMediaErrors(page.page), `page ${i}'s media errors`).toEqual([]);
    expect(page.pageErrors, `page ${i}'s script errors`).toEqual([]);
  }
}

/** What every page, the Node peers and the page warnings say, for a failure message. */
async function describeSwarm(watched: readonly WatchPage[]): Promise<string> {
  const stats = await Promise.all(watched.map((page) => watchPageStats(page.page).catch((error: Error) => error.message)));
  const videos = await Promise.all(
    watched.map((page) =>
      page.page
        .evaluate(() => {
          const video = document.querySelector('video')!;
          const buffered = Array.from({ length: video.buffered.length }, (_, i) => [video.buffered.start(i), video.buffered.end(i)].map((t) => t.toFixed(2)).join('-'));
          const events = (window as unknown as { testVideoEvents: string[] }).testVideoEvents.slice(-6);
          return `at ${video.currentTime.toFixed(2)} s (${events.join(', ')}), ${video.paused ? 'paused' : 'playing'}, ready ${video.readyState}, buffered ${buffered.join(' ')}`;
        })
        .catch((error: Error) => error.message),
    ),
  );
  return (
    `videos: ${videos.join('; ')}\npages: ${JSON.stringify(stats)}\nwarnings: ${watched.map((page) => page.warnings.slice(-5).join(' | ')).join('\n  ')}\n` +
    `viewer stats: ${JSON.stringify(lastLine(readViewerStats(viewerStats)))}\npublisher: ${publisher!.describe()}\nviewer process: ${viewer!.describe()}`
  );
}

const publisherUploaded = (): number => lastLine(readPublisherStats(publisherStats))?.bytesUploaded ?? 0;

describe('six browsers on the watch page, with a Node publisher capped at twice the stream and a Node viewer', () => {
  it('every page plays without a media error, at continuity ≥ 0.99, at least half of its bytes from other peers, the publisher uploading ≤ 2× the stream', async () => {
    const why = () => describeSwarm(pages);
    const uploadedBefore = publisherUploaded();
    const startedAt = Date.now();
    for (let i = 0; i < PAGES; i++) pages.push(await openWatchPage());
    await Promise.all(
      pages.map(({ page }, i) =>
        page.waitForFunction(() => document.querySelector('video')!.currentTime > 1, undefined, { timeout: PLAYING_TIMEOUT_MS, polling: 500 }).catch(async (error: unknown) => {
          throw new Error(`page ${i} did not start playing: ${await why()}`, { cause: error });
        }),
      ),
    );
    // Measured once all six play, as a viewer who has started watching notices it: continuity from here on.
    const playing = await Promise.all(pages.map(statsOf));
    await sleep(SWARM_MS);
    await expectPlaying(pages, why);
    const uploaded = publisherUploaded() - uploadedBefore;
    const seconds = (Date.now() - startedAt) / 1000;
    const stats = await Promise.all(pages.map(statsOf));
    const fromPeers = stats.reduce((sum, s) => sum + s.bytesFromPeers, 0);
    const fromPublisher = stats.reduce((sum, s) => sum + s.bytesFromPublisher, 0);
    const measured = {
      continuity: stats.map((s, i) => continuityBetween(playing[i]!, s)),
      continuitySinceStart: stats.map((s) => s.continuity),
      shareFromPeers: fromPeers / (fromPeers + fromPublisher),
      publisherUpload: uploaded / (STREAM_BYTES_PER_SECOND * seconds),
      load: loadavg()[0],
    };
    console.log(`six pages: ${JSON.stringify(measured)}`);
    const summary = `${JSON.stringify(measured)}\n${await why()}`;
    for (const [i, s] of stats.entries()) {
      // Each page played through the measured time, so its continuity says something.
      expect(s.played - playing[i]!.played, summary).toBeGreaterThan(SWARM_MS / 1000);
      expect(measured.continuity[i], summary).toBeGreaterThanOrEqual(MIN_CONTINUITY);
      expect(s.badChunks, summary).toBe(0);
    }
    expect(measured.shareFromPeers, summary).toBeGreaterThanOrEqual(MIN_SHARE_FROM_PEERS);
    expect(measured.publisherUpload, summary).toBeLessThanOrEqual(PUBLISHER_CAP);
  }, PLAYING_TIMEOUT_MS + SWARM_MS + 60_000);

  it('closing two tabs mid-stream costs the four others no chunk: none skips one from then on', async () => {
    const closing = pages.splice(0, CLOSED);
    const left = pages;
    const before = await Promise.all(left.map(statsOf));
    await Promise.all(closing.map(({ context }) => context.close()));
    await sleep(AFTER_CLOSE_MS);
    await expectPlaying(left, () => describeSwarm(left));
    const after = await Promise.all(left.map(statsOf));
    console.log(`after closing two: ${JSON.stringify({ skipped: after.map((s, i) => s.skipped - before[i]!.skipped), load: loadavg()[0] })}`);
    const summary = `before: ${JSON.stringify(before)}\nafter: ${JSON.stringify(after)}\n${await describeSwarm(left)}`;
    for (const [i, s] of after.entries()) {
      expect(s.played, summary).toBeGreaterThan(before[i]!.played);
      expect(s.skipped, summary).toBe(before[i]!.skipped);
    }
  }, AFTER_CLOSE_MS + 30_000);

  it('a page that uploads corrupted chunks is dropped and banned by the peers it sent them to, and the others play on at continuity ≥ 0.99', async () => {
    const victims = pages;
    const before = await Promise.all(victims.map(statsOf));
    const viewerBefore = lastLine(readViewerStats(viewerStats))!;
    // The attacker owns its browser: in its profile every full data-channel message it sends (the
    // pieces of chunk replies) has a byte of its payload flipped, so the chunk no longer verifies.
    const attacker = await openWatchPage((context) =>
      context.addInitScript(() => {
        window.testCorrupted = 0;
        const send = RTCDataChannel.prototype.send;
        RTCDataChannel.prototype.send = function (this: RTCDataChannel, data: never) {
          const view = data as unknown;
          if (view instanceof Uint8Array && view.byteLength === 16 * 1024) {
            const corrupted = view.slice();
            corrupted[corrupted.length >> 1]! ^= 0xff;
            window.testCorrupted += 1;
            return send.call(this, corrupted);
          }
          return send.call(this, data);
        } as typeof send;
      }),
    );
    const badChunksOf = async () => {
      const byPages = (await Promise.all(victims.map(statsOf))).map((s) => s.badChunks);
      const byViewer = [...viewer!.stderr().matchAll(VIEWER_BAN_LINE)].length;
      return { byPages, byViewer, total: byPages.reduce((a, b) => a + b, 0) + byViewer };
    };
    const why = async () => `attacker corrupted ${await attacker.page.evaluate(() => window.testCorrupted)} pieces\n${await describeSwarm([...victims, attacker])}`;
    await waitUntil('a victim to catch a bad chunk from the attacker', async () => (await badChunksOf()).total > 0, { timeoutMs: ATTACK_TIMEOUT_MS, intervalMs: 500 }).catch(async (error: Error) => {
      throw new Error(`${error.message}\n${await why()}`, { cause: error });
    });
    await sleep(AFTER_BAN_MS);
    const caught = await badChunksOf();
    console.log(`attack: ${JSON.stringify({ ...caught, corrupted: await attacker.page.evaluate(() => window.testCorrupted) })}`);
    const summary = `${JSON.stringify(caught)}\n${await why()}`;
    // Banned: a victim that caught one bad chunk never asks the attacker again, so none catches a second.
    for (const count of [...caught.byPages, caught.byViewer]) expect(count, summary).toBeLessThanOrEqual(1);
    // The page victims say whom they dropped, and why.
    for (const [i, victim] of victims.entries()) {
      if (caught.byPages[i]! > 0) expect(victim.warnings.some((line) => /dropped peer \S+: it sent a bad chunk/.test(line)), summary).toBe(true);
    }
    await expectPlaying(victims, why);
    // What the victims' viewers noticed of the attack: chunks played on time ÷ chunks due since the attacker came.
    const after = await Promise.all(victims.map(statsOf));
    const continuity = after.map((s, i) => continuityBetween(before[i]!, s));
    const viewerContinuity = viewerContinuityBetween(viewerBefore, lastLine(readViewerStats(viewerStats))!);
    console.log(`during the attack: ${JSON.stringify({ pages: continuity, viewer: viewerContinuity, load: loadavg()[0] })}`);
    for (const value of [...continuity, viewerContinuity]) expect(value, `${JSON.stringify(continuity)}, viewer ${viewerContinuity}\n${summary}`).toBeGreaterThanOrEqual(MIN_CONTINUITY);
    await attacker.context.close();
  }, ATTACK_TIMEOUT_MS + AFTER_BAN_MS + 60_000);
});
