/// <reference lib="dom" />
// (The function handed to page.evaluate runs in the page.)
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { CHROMIUM, launchChromium, playingVideoTimes, takeMediaErrors, watchedPage, watchPageStats } from '../browser-bundle/chromium.js';
import { ShapedNetwork, shapedAddress } from '../swarm/shaped-network.js';
import { waitUntil } from '../swarm/wait.js';
import { REPO_ROOT, type ProgramExit } from '../testing/index.js';

/**
 * `npm start -- --bind 0.0.0.0` on one machine, and its watch page opened from a second
 * machine of the LAN, as the README's first minutes say. The two machines are network
 * namespaces on a bridge of their own (the swarm harness's, no uplink caps): the swarm runs
 * in "home" with its own loopback, and Chromium runs in "laptop", which reaches home only
 * at its LAN address. Needs root, as the other network-namespace tests do.
 */

const VIEWERS = 1;
const LAN_URL_TIMEOUT_MS = 90_000;
const PLAYING_TIMEOUT_MS = 60_000;
const EXIT_TIMEOUT_MS = 30_000;

let network: ShapedNetwork | undefined;
let npm: ChildProcess | undefined;
let browser: Browser | undefined;
const dir = mkdtempSync(join(tmpdir(), 'p2pstream-lan-'));

afterAll(async () => {
  await browser?.close();
  if (npm?.pid !== undefined && npm.exitCode === null && npm.signalCode === null) {
    try {
      process.kill(-npm.pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  // Kills whatever still runs inside the two machines, then removes them with their links.
  await network?.remove();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('npm start -- --bind 0.0.0.0, watched from a second machine on the LAN', () => {
  it('prints the LAN URL of the watch page, and a browser on another machine plays the stream from it', async () => {
    network = await ShapedNetwork.create({
      hosts: [
        { id: 'home', address: shapedAddress(0), uplinkBytesPerSecond: null },
        { id: 'laptop', address: shapedAddress(1), uplinkBytesPerSecond: null },
      ],
    });
    const home = network.host('home');
    const laptop = network.host('laptop');

    let stdout = '';
    let stderr = '';
    npm = spawn(home.exec[0]!, [...home.exec.slice(1), 'npm', 'start', '--', '--bind', '0.0.0.0', '--viewers', String(VIEWERS)], {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const child = npm;
    const exit = new Promise<ProgramExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const seen = () => `stdout:\n${stdout.slice(-4000)}\nstderr:\n${stderr.slice(-2000)}`;

    const lanLine = /from another machine on this LAN: (http:\/\/\S+\/watch\/demo)\n/;
    const lanUrl = (await waitUntil('the LAN URL of the watch page', () => lanLine.exec(stdout)?.[1], {
      timeoutMs: LAN_URL_TIMEOUT_MS,
      intervalMs: 250,
      describe: seen,
    }))!;
    // Home's only address besides loopback is its LAN address: that is the one to print.
    expect(new URL(lanUrl).hostname).toBe(home.address);

    // Chromium on the laptop: a script runs it inside the laptop's namespace.
    const inLaptop = join(dir, 'chromium-on-laptop');
    writeFileSync(inLaptop, `#!/bin/sh\nexec ${laptop.exec.join(' ')} ${CHROMIUM} "$@"\n`);
    chmodSync(inLaptop, 0o755);
    browser = await launchChromium({ executablePath: inLaptop });
    const context = await browser.newContext();
    const { page, pageErrors } = await watchedPage(context);
    const consoleLines: string[] = [];
    page.on('console', (message) => consoleLines.push(`${message.type()}: ${message.text()}`));
    page.on('requestfailed', (request) => consoleLines.push(`failed: ${request.url()} ${request.failure()?.errorText ?? ''}`));
    await page.goto(lanUrl);
    const why = async () =>
      `status: ${await page.locator('#status').textContent()}; stats: ${await page.locator('#stats').textContent()}\n` +
      `page console: ${consoleLines.slice(-10).join(' | ')}\n${seen()}`;
    const times = await playingVideoTimes(page, PLAYING_TIMEOUT_MS, why);
    for (let i = 1; i < times.length; i++) expect(times[i], `${JSON.stringify(times)}; ${await why()}`).toBeGreaterThan(times[i - 1]!);
    // Plain http from another machine is no secure context, so the page has no crypto.subtle:
    // it checked every chunk's signature in JavaScript, and fetched them itself over WebRTC.
    expect(await page.evaluate(() => window.isSecureContext)).toBe(false);
    const stats = await watchPageStats(page);
    expect((stats?.bytesFromPeers ?? 0) + (stats?.bytesFromPublisher ?? 0), await why()).toBeGreaterThan(0);
    expect(stats?.badChunks, await why()).toBe(0);
    expect(await takeMediaErrors(page)).toEqual([]);
    expect(pageErrors).toEqual([]);
    await browser.close();
    browser = undefined;

    // Ctrl-C on home stops the swarm as on one machine.
    process.kill(-child.pid!, 'SIGINT');
    const exited = await Promise.race([exit, pause(EXIT_TIMEOUT_MS).then(() => 'late' as const)]);
    expect(exited, seen()).not.toBe('late');
    expect(stdout.trimEnd().split('\n').at(-1), seen()).toBe('p2pstream: every process it started has exited');
  }, LAN_URL_TIMEOUT_MS + PLAYING_TIMEOUT_MS + EXIT_TIMEOUT_MS + 30_000);
});
