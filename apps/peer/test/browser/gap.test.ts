/// <reference lib="dom" />
// (The functions handed to addInitScript and page.evaluate run in the page, where document and window are.)
import { Readable } from 'node:stream';
import { Chunker } from '@p2pstream/data';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../../../tools/swarm/wait.js';
import { PeerHttpServer } from '../../src/http-server.js';
import type { SwarmReport } from '../../src/swarm-report.js';
import { FIXTURE_SECONDS, loopedFixture, stopEverything, tempDir } from '../e2e/processes.js';
import { launchChromium, takeMediaErrors, watchedPage } from './chromium.js';

/**
 * The page's player (src/web/player.js) in a real Chromium, jumping its playhead
 * over a hole in the buffered media. Only the peer's HTTP server runs, in-process,
 * fed the looped fixture live in 500 ms chunks, as play-out feeds it.
 *
 * The hole is made in the page, by placing the media still to come HOLE_S later
 * (the SourceBuffers' timestampOffset), not by leaving chunks out of /stream.ts:
 * mpegts.js bridges a gap in the stream's timestamps (it stretches the last video
 * frame over it and fills the audio with silence), so skipped chunks leave no hole
 * in video.buffered.
 */

const GAP_STATUS = 'skipped a gap in the stream';
/**
 * The hole runs on to the next keyframe (Chromium drops the frames before it), so
 * it lasts HOLE_S to HOLE_S + 1 s. Kept short: the stalled page is about HOLE_S +
 * half a second behind the live edge and falls further behind while it waits, and
 * 4 s behind, mpegts.js seeks to the live edge itself; the player must jump first.
 */
const HOLE_S = 0.5;
/** Open the hole once the video has played this long: past its start-up. */
const MIN_PLAYED_S = 1;
/** The player jumps to just past the hole's end (0.05 s in player.js): not to the live edge. */
const LANDING_MARGIN_S = 0.25;
/** Played past the hole's end: the video goes on, it was not just moved there. */
const PLAY_ON_S = 1;
/** Generous for Chromium on two busy cores. */
const PLAYING_TIMEOUT_MS = 30_000;
const HOLE_TIMEOUT_MS = 10_000;
/** The player checks once a second; it starts itself again after two checks stuck. */
const JUMP_TIMEOUT_MS = 15_000;
const PLAY_ON_TIMEOUT_MS = 10_000;
const TEST_TIMEOUT_MS = PLAYING_TIMEOUT_MS + HOLE_TIMEOUT_MS + JUMP_TIMEOUT_MS + PLAY_ON_TIMEOUT_MS;
/** Passes of the fixture: the stream outlasts the test. */
const PASSES = Math.ceil(TEST_TIMEOUT_MS / 1000 / FIXTURE_SECONDS) + 1;

interface PageState {
  currentTime: number;
  buffered: Array<[number, number]>;
  /** Every text the player's status line showed, in order. */
  statuses: string[];
  /** Where each seek of the video went, in order. */
  seeks: number[];
  recoveries: string;
}

let server: PeerHttpServer;
let context: BrowserContext;
let page: Page;
let pageErrors: string[];
const stopFeeding = new AbortController();
let feeding: Promise<void> | undefined;

beforeAll(async () => {
  server = await PeerHttpServer.listen('127.0.0.1', 0);
  server.report(liveStreamReport());
  feeding = feed(stopFeeding.signal);
  context = await launchChromium(tempDir());
  ({ page, pageErrors } = await watchedPage(context));
  await page.addInitScript(() => {
    const statuses: string[] = [];
    const seeks: number[] = [];
    Object.defineProperty(window, 'testStatuses', { value: statuses });
    Object.defineProperty(window, 'testSeeks', { value: seeks });
    // Each status shows for about a second: every change is kept, not sampled.
    document.addEventListener('DOMContentLoaded', () => {
      const status = document.getElementById('player-status')!;
      new MutationObserver(() => statuses.push(status.textContent ?? '')).observe(status, { childList: true, characterData: true, subtree: true });
    });
    window.addEventListener('seeking', (event) => event.target instanceof HTMLMediaElement && seeks.push(event.target.currentTime), true);
    // The MediaSource the player feeds now (a new one each time it starts), to make the hole in.
    const addSourceBuffer = MediaSource.prototype.addSourceBuffer;
    MediaSource.prototype.addSourceBuffer = function (this: MediaSource, type: string): SourceBuffer {
      Object.defineProperty(window, 'testMediaSource', { value: this, configurable: true });
      return addSourceBuffer.call(this, type);
    };
  });
  await page.goto(server.url);
}, PLAYING_TIMEOUT_MS);

afterAll(async () => {
  stopFeeding.abort();
  await feeding;
  await context?.close();
  await server?.close();
  await stopEverything();
}, 30_000);

/** The stream, chunk by chunk at media pace, until stopped. */
async function feed(signal: AbortSignal): Promise<void> {
  try {
    for await (const chunk of new Chunker({ mpegts: true, realtime: true }).chunks(Readable.from([loopedFixture(PASSES)]), { signal })) {
      server.output.write(chunk.data);
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}

/** What /stats.json says: a live stream, found, so the page starts its player. */
function liveStreamReport(): SwarmReport {
  return {
    time: Date.now(),
    name: 'gap',
    stream: 'ab'.repeat(32),
    fingerprint: 'abab abab abab abab',
    state: 'playing',
    live: true,
    quality: {
      startupMs: null,
      continuity: 1,
      played: 0,
      skipped: 0,
      lagMs: null,
      bufferAheadMs: 0,
      rebuffers: 0,
      bytesFromPublisher: 0,
      bytesFromPeers: 0,
      fromPeersShare: null,
      bytesUploaded: 0,
      downloadBytesPerSecond: 0,
      uploadBytesPerSecond: 0,
    },
    peers: [],
    window: { first: 0, chunks: [], playhead: null, edge: 0 },
    players: 1,
  };
}

function pageState(): Promise<PageState> {
  return page.evaluate(() => {
    const video = document.querySelector('video')!;
    const buffered: Array<[number, number]> = [];
    for (let i = 0; i < video.buffered.length; i++) buffered.push([video.buffered.start(i), video.buffered.end(i)]);
    const { testStatuses, testSeeks } = window as unknown as { testStatuses: string[]; testSeeks: number[] };
    const recoveries = document.getElementById('player-recoveries')!.textContent ?? '';
    return { currentTime: video.currentTime, buffered, statuses: [...testStatuses], seeks: [...testSeeks], recoveries };
  });
}

/**
 * Once the video has played a while, places all media still to come `holeSeconds`
 * later, as if that stretch were missing from the stream; returns where the hole
 * starts (the end of what is buffered), or undefined when the moment has not come.
 */
function openHole(): Promise<number | undefined> {
  return page.evaluate(
    ({ holeSeconds, minPlayed }) => {
      const video = document.querySelector('video')!;
      const mediaSource = (window as unknown as { testMediaSource?: MediaSource }).testMediaSource;
      const sourceBuffers = mediaSource?.readyState === 'open' ? Array.from(mediaSource.sourceBuffers) : [];
      const { buffered } = video;
      if (video.paused || video.currentTime < minPlayed || buffered.length === 0) return undefined;
      // The offset may change only between appends.
      if (sourceBuffers.length === 0 || sourceBuffers.some((buffer) => buffer.updating)) return undefined;
      for (const buffer of sourceBuffers) buffer.timestampOffset += holeSeconds;
      return buffered.end(buffered.length - 1);
    },
    { holeSeconds: HOLE_S, minPlayed: MIN_PLAYED_S },
  );
}

describe('the page of watch --http, in Chromium, at a hole in the buffered media', { timeout: TEST_TIMEOUT_MS }, () => {
  it('jumps the playhead to the end of the hole, says so, and plays on without a media error or a restart', async () => {
    let seen: PageState | undefined;
    const describeSeen = () => `the page: ${JSON.stringify(seen)}`;
    const observe = async <T>(pick: (state: PageState) => T): Promise<T> => pick((seen = await pageState()));

    const holeStart = await waitUntil('the video playing, to open a hole after', openHole, { timeoutMs: PLAYING_TIMEOUT_MS, intervalMs: 50 });
    await takeMediaErrors(page);
    const holeEnd = await waitUntil('media buffered after the hole', () => observe((state) => state.buffered.find(([start]) => start > holeStart)?.[0]), {
      timeoutMs: HOLE_TIMEOUT_MS,
      describe: describeSeen,
    });
    console.log(`hole in the buffered media: ${holeStart.toFixed(2)}–${holeEnd.toFixed(2)} s`);

    await waitUntil(`the page to show “${GAP_STATUS}”`, () => observe((state) => state.statuses.includes(GAP_STATUS)), {
      timeoutMs: JUMP_TIMEOUT_MS,
      describe: describeSeen,
    });
    await waitUntil(`the video to play on ${PLAY_ON_S} s past the hole`, () => observe((state) => state.currentTime > holeEnd + PLAY_ON_S), {
      timeoutMs: PLAY_ON_TIMEOUT_MS,
      describe: describeSeen,
    });
    const landing = seen!.seeks.find((to) => to > holeStart);
    expect(landing, `where the playhead went from the hole, of ${describeSeen()}`).toBeGreaterThanOrEqual(holeEnd);
    expect(landing, 'no further than the hole’s end: nothing after it was skipped').toBeLessThan(holeEnd + LANDING_MARGIN_S);
    expect(seen!.recoveries, 'the player was not started again').toBe('');
    expect(await takeMediaErrors(page)).toEqual([]);
    expect(await page.evaluate(() => document.querySelector('video')!.error)).toBeNull();
    expect(pageErrors).toEqual([]);
  });
});
