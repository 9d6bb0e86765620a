import { findVideoRandomAccess, TS_PACKET_BYTES } from '@p2pstream/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_SECONDS, loopedFixture } from '../e2e/processes.js';
import { takeMediaErrors } from './chromium.js';
import { feedLive } from './live-feed.js';
import { openLivePage, PlayerWatch, STARTS_AGAIN_TIMEOUT_MS, startsAgainThenPlaysOn, type LivePage } from './live-page.js';

/**
 * The page's player (src/web/player.js) in a real Chromium when a frame in the
 * stream is broken: a keyframe cut short after its first packet, then the
 * stream from a later keyframe on, as a relay that loses data without saying so
 * would send it. Chromium's decoder fails on it (a media error, which stops
 * mpegts.js for good); the page starts the player again, once, from inside
 * mpegts.js's error event without tripping it up, and plays on.
 */

/** The keyframe cut short (the fixture has one a second): past the page's start-up. */
const BROKEN_KEYFRAME = 8;
/** Keyframes left out after it. */
const LEFT_OUT_KEYFRAMES = 2;
/** Generous for Chromium on two busy cores; the page must be playing before the broken frame. */
const PLAYING_TIMEOUT_MS = (BROKEN_KEYFRAME - 2) * 1000;
const TEST_TIMEOUT_MS = BROKEN_KEYFRAME * 1000 + STARTS_AGAIN_TIMEOUT_MS;
/** Passes of the fixture: the stream outlasts the test. */
const PASSES = Math.ceil(TEST_TIMEOUT_MS / 1000 / FIXTURE_SECONDS) + 1;

let live: LivePage;
let broken = false;

/** The offset of the `n`th keyframe (from 0). */
function keyframe(media: Buffer, n: number): number {
  let at = findVideoRandomAccess(media);
  for (let k = 0; k < n; k++) at = findVideoRandomAccess(media, at + TS_PACKET_BYTES);
  return at;
}

beforeAll(async () => {
  const media = loopedFixture(PASSES);
  const cut = keyframe(media, BROKEN_KEYFRAME) + TS_PACKET_BYTES;
  const goOn = keyframe(media, BROKEN_KEYFRAME + 1 + LEFT_OUT_KEYFRAMES);
  live = await openLivePage({
    name: 'broken-frame',
    feed: async (server, signal) => {
      await feedLive(server, { media: media.subarray(0, cut), signal });
      broken = true;
      await feedLive(server, { media: media.subarray(goOn), signal });
    },
  });
}, 30_000);

afterAll(() => live?.close(), 30_000);

describe('the page of watch --http, in Chromium, at a broken frame', { timeout: TEST_TIMEOUT_MS }, () => {
  it('starts the player again once after the media error and plays on, without a page error', async () => {
    const watch = new PlayerWatch(live.page, () => `broken frame sent: ${broken}`);
    await watch.until('the video playing', (state) => state.currentTime >= 1, { timeoutMs: PLAYING_TIMEOUT_MS });
    expect(broken, 'the page played before the broken frame').toBe(false);
    await startsAgainThenPlaysOn(live, watch, async (state) => {
      expect(state.status, 'started again for the media error').toMatch(/^recovering \((media error|MediaError)/);
      expect(await takeMediaErrors(live.page), 'the decoder failed on the broken frame').toContain(3);
    });
  });
});
