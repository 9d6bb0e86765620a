import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_SECONDS, fixture, loopedFixture } from '../e2e/processes.js';
import { takeMediaErrors } from './chromium.js';
import { feedLive } from './live-feed.js';
import { openLivePage, PlayerWatch, STARTS_AGAIN_TIMEOUT_MS, startsAgainThenPlaysOn, type LivePage } from './live-page.js';

/**
 * The page's player (src/web/player.js) in a real Chromium when the source's
 * timestamps jump back (a file looped or spliced by a tool that does not shift
 * them on, unlike `publish --loop`): mpegts.js then places the new media behind
 * the playhead, where it is never played, and the picture sticks while the
 * stream keeps arriving. The page starts the player again, once, and plays on.
 */

/** Seconds of the fixture before its timestamps start again from the beginning. */
const BEFORE_JUMP_S = 10;
/** Generous for Chromium on two busy cores; the page must be playing before the jump. */
const PLAYING_TIMEOUT_MS = (BEFORE_JUMP_S - 2) * 1000;
const TEST_TIMEOUT_MS = BEFORE_JUMP_S * 1000 + STARTS_AGAIN_TIMEOUT_MS;
/** Passes of the fixture after the jump: the stream outlasts the test. */
const PASSES = Math.ceil(TEST_TIMEOUT_MS / 1000 / FIXTURE_SECONDS) + 1;

let live: LivePage;
let jumped = false;

beforeAll(async () => {
  const media = fixture();
  const beforeJump = media.subarray(0, Math.floor((media.length / FIXTURE_SECONDS) * BEFORE_JUMP_S));
  live = await openLivePage({
    name: 'timestamps-jump',
    feed: async (server, signal) => {
      await feedLive(server, { media: beforeJump, signal });
      jumped = true;
      await feedLive(server, { media: loopedFixture(PASSES), signal });
    },
  });
}, 30_000);

afterAll(() => live?.close(), 30_000);

describe('the page of watch --http, in Chromium, when the source’s timestamps jump back', { timeout: TEST_TIMEOUT_MS }, () => {
  it('starts the player again once and plays on, without a media or page error', async () => {
    const watch = new PlayerWatch(live.page, () => `timestamps jumped: ${jumped}`);
    await watch.until('the video playing', (state) => state.currentTime >= 1, { timeoutMs: PLAYING_TIMEOUT_MS });
    expect(jumped, 'the page played before the timestamps jumped back').toBe(false);
    await startsAgainThenPlaysOn(live, watch, () => {
      expect(jumped, 'started again only after the jump').toBe(true);
    });
    expect(watch.seen!.mediaError).toBeNull();
    expect(await takeMediaErrors(live.page)).toEqual([]);
  });
});
