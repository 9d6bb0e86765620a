/// <reference lib="dom" />
// (The functions handed to addInitScript and page.evaluate run in the page, where window is.)
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { BrowserViewerStats } from '@p2pstream/peer-client/browser';

export type { BrowserViewerStats };

/** Debian's Chromium, never a downloaded one. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Headless, and ICE on loopback: host candidates on 127.0.0.1 are allowed, and shown as
 * addresses rather than mDNS names that nothing here resolves.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
];

export interface LaunchChromiumOptions {
  /** More command-line flags. */
  args?: readonly string[];
  /**
   * A program run in Chromium's place with Chromium's flags, which starts Chromium itself
   * (e.g. a script that runs it inside a network namespace); playwright-core drives the
   * browser over the pipes the program hands on.
   */
  executablePath?: string;
}

/** Launches Debian's Chromium through playwright-core; says how to install it when it is missing. */
export async function launchChromium(options: LaunchChromiumOptions = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`this test drives Debian's Chromium at ${CHROMIUM}, which is missing: install it with npm run setup`);
  return chromium.launch({ executablePath: options.executablePath ?? CHROMIUM, args: [...CHROMIUM_ARGS, ...(options.args ?? [])] });
}

/** The context's page, with its script errors collected in `pageErrors` and its media errors kept for `takeMediaErrors`. */
export async function watchedPage(context: BrowserContext): Promise<{ page: Page; pageErrors: string[] }> {
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  // The test's own ears on the page: every error event of a media element, from the first moment.
  await page.addInitScript(() => {
    const errors: Array<number | null> = [];
    Object.defineProperty(window, 'testMediaErrors', { value: errors });
    window.addEventListener('error', (event) => event.target instanceof HTMLMediaElement && errors.push(event.target.error?.code ?? null), true);
  });
  return { page, pageErrors };
}

/** The codes of the media errors since the last call (null for an error event without one). */
export function takeMediaErrors(page: Page): Promise<Array<number | null>> {
  return page.evaluate(() => (window as unknown as { testMediaErrors: Array<number | null> }).testMediaErrors.splice(0));
}

/** The numbers central's watch page shows under its video (its read-only `window.p2pstreamStats`); undefined until its viewer started. */
export function watchPageStats(page: Page): Promise<BrowserViewerStats | undefined> {
  return page.evaluate(() => (window as unknown as { p2pstreamStats?: BrowserViewerStats }).p2pstreamStats);
}

/**
 * Waits (up to `timeoutMs`) for the page's video to pass half a second, throwing with `why()`
 * when it does not, then reads its time once a second three more times: four readings,
 * each of which should be later than the one before in a page that plays.
 */
export async function playingVideoTimes(page: Page, timeoutMs: number, why: () => Promise<string>): Promise<number[]> {
  await page
    .waitForFunction(() => document.querySelector('video')!.currentTime > 0.5, undefined, { timeout: timeoutMs, polling: 250 })
    .catch(async (error: unknown) => {
      throw new Error(`the video did not start: ${await why()}`, { cause: error });
    });
  const videoTime = () => page.evaluate(() => document.querySelector('video')!.currentTime);
  const times = [await videoTime()];
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    times.push(await videoTime());
  }
  return times;
}
