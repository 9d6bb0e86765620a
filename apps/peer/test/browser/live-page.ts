/// <reference lib="dom" />
// (The function handed to page.evaluate runs in the page, where document is.)
import type { BrowserContext, Page } from 'playwright-core';
import { PeerHttpServer } from '../../src/http-server.js';
import { stopEverything, tempDir } from '../e2e/processes.js';
import { launchChromium, watchedPage } from './chromium.js';
import { liveStreamReport } from './live-feed.js';

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
