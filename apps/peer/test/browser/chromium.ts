/// <reference lib="dom" />
// (The functions handed to addInitScript and page.evaluate run in the page, where document and window are.)
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { runFor } from '../e2e/processes.js';

// Page instrumentation is shared with the other browser tests (central's watch page, the viewer bundle).
export { takeMediaErrors, watchedPage } from '../../../../tools/browser-bundle/chromium.js';

/**
 * What the browser tests share: Debian's Chromium, headless, driven by
 * playwright-core, and a page that keeps what the tests check afterwards.
 */

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Git-ignored; a person can look at what the page showed. */
const SCREENSHOTS = join(import.meta.dirname, 'screenshots');

/** Chromium with a fresh profile under `dir`. */
export async function launchChromium(dir: string): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) throw new Error(`the browser tests drive Debian's Chromium at ${CHROMIUM}, which is missing: install it with npm run setup`);
  return chromium.launchPersistentContext(join(dir, 'chromium-profile'), { executablePath: CHROMIUM, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 760 } });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, name);
  await page.screenshot({ path });
  console.log(`screenshot: ${path}`);
}

/** The currentTime of the page's video, in seconds. */
export function videoTime(page: Page): Promise<number> {
  return page.evaluate(() => document.querySelector('video')!.currentTime);
}

/** Waits until the page's video has played half a second. */
export async function waitForVideoPlaying(page: Page, timeoutMs: number): Promise<void> {
  await page.waitForFunction(() => document.querySelector('video')!.currentTime > 0.5, undefined, { timeout: timeoutMs, polling: 250 });
}

/** The video's currentTime `count` times, the first now and then every `everyMs`. */
export async function videoTimeSamples(page: Page, count: number, everyMs: number): Promise<number[]> {
  const times = [await videoTime(page)];
  for (let i = 1; i < count; i++) {
    await runFor(everyMs);
    times.push(await videoTime(page));
  }
  return times;
}

/** Each currentTime sample is above the one before: the video never stalled nor went back between two samples. */
export function expectRising(times: readonly number[]): void {
  for (let i = 1; i < times.length; i++) expect(times[i], `sample ${i} of ${JSON.stringify(times)}`).toBeGreaterThan(times[i - 1]!);
}
