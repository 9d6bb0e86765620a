/// <reference lib="dom" />
// (The functions handed to addInitScript and page.evaluate run in the page, where document and window are.)
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../../../tools/swarm/wait.js';
import { FIXTURE_SECONDS, loopedFixture } from '../e2e/processes.js';
import { takeMediaErrors } from './chromium.js';
import { feedLive } from './live-feed.js';
import { openLivePage, playerState, type LivePage } from './live-page.js';

/**
 * The page's player (src/web/player.js) in a real Chromium, jumping its playhead
 * over a hole in the buffered media (live-page.ts: no swarm, only the peer's
 * HTTP server).
 *
 * The hole is made in the page, by placing the media still to come HOLE_S later
 * (the SourceBuffers' timestampOffset), not by leaving chunks out of /stream.ts:
 * mpegts.js bridges a gap in the stream's timestamps (it stretches the last video
 * frame over it and fills the audio with silence), so skipped chunks leave no hole
 * in video.buffered (skipped-chunks.test.ts plays over them).
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
/** The player checks once a second. */
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

let live: LivePage;
let page: Page;

beforeAll(async () => {
  live = await openLivePage({ name: 'gap', feed: (server, signal) => feedLive(server, { media: loopedFixture(PASSES), signal }), prepare: watchStatusesAndSeeks });
  page = live.page;
}, PLAYING_TIMEOUT_MS);

afterAll(() => live?.close(), 30_000);

/** Keeps, in the page, every status the player shows, where each seek goes, and the MediaSource it feeds now. */
async function watchStatusesAndSeeks(target: Page): Promise<void> {
  await target.addInitScript(() => {
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
    expect((await playerState(page)).mediaError).toBeNull();
    expect(live.pageErrors).toEqual([]);
  });
});
