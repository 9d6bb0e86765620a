import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_SECONDS, loopedFixture } from '../e2e/processes.js';
import { takeMediaErrors } from './chromium.js';
import { feedLive } from './live-feed.js';
import { openLivePage, PlayerWatch, playerState, type LivePage } from './live-page.js';

/**
 * The page's player (src/web/player.js) in a real Chromium when the swarm skips
 * chunks: the peer's HTTP server (live-page.ts) leaves 2 s of the stream out,
 * as play-out does with chunks that miss their deadline, and tells /stream.ts.
 * The picture waits and plays on, without starting the player again: the peer
 * drops the frame the skip cut short and goes on from the next keyframe (a
 * browser's decoder fails on broken frames), and the page does not take a
 * stream that pauses for a stuck one.
 */

/** Chunks left out in a row: 2 s of 500 ms chunks, as a swarm may skip. */
const SKIPPED_CHUNKS = 4;
const SKIPPED_S = SKIPPED_CHUNKS * 0.5;
/** Leave chunks out once the video has played this long: past its start-up. */
const MIN_PLAYED_S = 1;
/** Played past the skipped stretch: the video goes on. */
const PLAY_ON_S = 2;
/** Generous for Chromium on two busy cores. */
const PLAYING_TIMEOUT_MS = 30_000;
const PLAY_ON_TIMEOUT_MS = 20_000;
const TEST_TIMEOUT_MS = PLAYING_TIMEOUT_MS + PLAY_ON_TIMEOUT_MS;
/** Passes of the fixture: the stream outlasts the test. */
const PASSES = Math.ceil(TEST_TIMEOUT_MS / 1000 / FIXTURE_SECONDS) + 1;

let live: LivePage;
/** Chunks still to leave out; the test sets it. */
let toSkip = 0;
let skipped = 0;

function skip(): boolean {
  if (toSkip === 0) return false;
  toSkip -= 1;
  skipped += 1;
  return true;
}

beforeAll(async () => {
  live = await openLivePage({ name: 'skipped-chunks', feed: (server, signal) => feedLive(server, { media: loopedFixture(PASSES), signal, skip }) });
}, PLAYING_TIMEOUT_MS);

afterAll(() => live?.close(), 30_000);

describe('the page of watch --http, in Chromium, when the swarm skips chunks', { timeout: TEST_TIMEOUT_MS }, () => {
  it(`waits out ${SKIPPED_S} s of skipped chunks and plays on, without a media error or a restart`, async () => {
    const { page, pageErrors } = live;
    const watch = new PlayerWatch(page, () => `${skipped} chunks skipped`);
    const { currentTime: skippedAt } = await watch.until('the video playing', (state) => state.currentTime >= MIN_PLAYED_S && state, {
      timeoutMs: PLAYING_TIMEOUT_MS,
      intervalMs: 100,
    });
    await takeMediaErrors(page);
    toSkip = SKIPPED_CHUNKS;
    await watch.until(`the video to play on ${PLAY_ON_S} s past the skipped chunks`, (state) => state.currentTime > skippedAt + SKIPPED_S + PLAY_ON_S, {
      timeoutMs: PLAY_ON_TIMEOUT_MS,
    });
    console.log(`skipped ${skipped} chunks at ${skippedAt.toFixed(2)} s; playing at ${watch.seen!.currentTime.toFixed(2)} s`);
    expect(skipped).toBe(SKIPPED_CHUNKS);
    expect(watch.seen!.recoveries, 'the player was not started again').toBe('');
    expect(await takeMediaErrors(page)).toEqual([]);
    expect((await playerState(page)).mediaError).toBeNull();
    expect(pageErrors).toEqual([]);
  });
});
