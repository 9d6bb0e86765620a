/// <reference lib="dom" />
// (The function handed to page.evaluate runs in the page, where document is.)
import type { BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { waitUntil } from '../../../../tools/swarm/wait.js';
import { PeerHttpServer } from '../../src/http-server.js';
import type { SwarmReport } from '../../src/swarm-report.js';
import { stopEverything, tempDir } from '../e2e/processes.js';
import { launchChromium, takeMediaErrors, watchedPage } from './chromium.js';

/**
 * The page of `watch --http` in Chromium without a swarm: the peer's HTTP
 * server in-process, reporting a live stream found, fed by the test.
 */

export interface LivePageOptions {
  name: string;
  /** Writes the stream to the server until the signal aborts; starts once the page has loaded. */
  feed: (server: PeerHttpServer, signal: AbortSignal) => Promise<void>;
  /** Runs before the page loads: the test's own init scripts. */
  prepare?: (page: Page) => Promise<void>;
}

export interface LivePage {
  server: PeerHttpServer;
  page: Page;
  /** The page's uncaught script errors. */
  pageErrors: string[];
  /** Stops the feed, the browser and the server, and removes the browser's profile. */
  close(): Promise<void>;
}

export async function openLivePage(options: LivePageOptions): Promise<LivePage> {
  const server = await PeerHttpServer.listen('127.0.0.1', 0);
  server.report(liveStreamReport(options.name));
  let context: BrowserContext | undefined;
  try {
    context = await launchChromium(tempDir());
    const { page, pageErrors } = await watchedPage(context);
    await options.prepare?.(page);
    await page.goto(server.url);
    const stopFeeding = new AbortController();
    const feeding = options.feed(server, stopFeeding.signal);
    const browser = context;
    const close = async () => {
      stopFeeding.abort();
      await feeding;
      await browser.close();
      await server.close();
      await stopEverything();
    };
    return { server, page, pageErrors, close };
  } catch (error) {
    await context?.close();
    await server.close();
    await stopEverything();
    throw error;
  }
}

/** What /stats.json says: a live stream, found, so the page starts its player. */
function liveStreamReport(name: string): SwarmReport {
  return {
    time: Date.now(),
    name,
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

/** What the page's player shows: where the video is, its status line, how often it started again, and the video's error code if it has one. */
export interface PlayerState {
  currentTime: number;
  status: string;
  recoveries: string;
  mediaError: number | null;
}

export function playerState(page: Page): Promise<PlayerState> {
  return page.evaluate(() => ({
    currentTime: document.querySelector('video')!.currentTime,
    status: document.getElementById('player-status')!.textContent ?? '',
    recoveries: document.getElementById('player-recoveries')!.textContent ?? '',
    mediaError: document.querySelector('video')!.error?.code ?? null,
  }));
}

/** Waits on the page's player; a wait that fails says what the page showed last, and `context()`. */
export class PlayerWatch {
  /** What the page showed at the last look. */
  seen: PlayerState | undefined;
  readonly #page: Page;
  readonly #context: () => string;

  constructor(page: Page, context: () => string) {
    this.#page = page;
    this.#context = context;
  }

  /** Looks until `pick` returns something, then returns it. */
  until<T>(what: string, pick: (state: PlayerState) => T | undefined | false, options: { timeoutMs: number; intervalMs?: number }): Promise<T> {
    return waitUntil(what, async () => pick((this.seen = await playerState(this.#page))), {
      ...options,
      describe: () => `the page: ${JSON.stringify(this.seen)}, ${this.#context()}`,
    });
  }
}

/** Two checks a second apart with the picture stuck, or a media error, then half a second's wait. */
const RESTART_TIMEOUT_MS = 15_000;
/** A new player's start-up, generous for Chromium on two busy cores, and its playing on. */
const PLAY_ON_TIMEOUT_MS = 15_000;
/** Played after the player started again: it goes on. */
const PLAY_ON_S = 2;
/** The longest `startsAgainThenPlaysOn` takes. */
export const STARTS_AGAIN_TIMEOUT_MS = RESTART_TIMEOUT_MS + 2 * PLAY_ON_TIMEOUT_MS;

/**
 * Waits for the player to start again, runs `whenStarting` (the test's checks
 * of why), then waits for the new player to play PLAY_ON_S seconds from the
 * start of its timeline, and checks that it started again only once, with no
 * error thrown in the page.
 */
export async function startsAgainThenPlaysOn(live: LivePage, watch: PlayerWatch, whenStarting: (state: PlayerState) => Promise<void> | void): Promise<void> {
  await takeMediaErrors(live.page);
  await whenStarting(await watch.until('the player started again', (state) => state.recoveries !== '' && state, { timeoutMs: RESTART_TIMEOUT_MS }));
  await watch.until('the new player at the start of its timeline', (state) => state.mediaError === null && state.currentTime < 1, { timeoutMs: PLAY_ON_TIMEOUT_MS });
  await watch.until(`the video to play ${PLAY_ON_S} s after starting again`, (state) => state.currentTime >= PLAY_ON_S, { timeoutMs: PLAY_ON_TIMEOUT_MS });
  expect(watch.seen!.recoveries).toBe('recovered 1×');
  expect(live.pageErrors).toEqual([]);
}
