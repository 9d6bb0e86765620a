import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../swarm/wait.js';
import { REPO_ROOT, type ProgramExit } from '../testing/index.js';

/**
 * `npm start` as a newcomer runs it, in a process group of its own like a shell's job:
 * its viewers play, the player's URL answers, and a Ctrl-C (SIGINT to the group) leaves
 * none of the processes it started running.
 */

const PLAYING_TIMEOUT_MS = 90_000;
const EXIT_TIMEOUT_MS = 30_000;
const HTTP_TIMEOUT_MS = 10_000;
const VIEWERS = 2;
/** A viewer's row once it has played: `1 127.0.0.11:40211   2   100.0%   6.6 s   38%   62%`. */
const PLAYING_ROW = /^\s*(\d+) 127\.\d+\.\d+\.\d+:\d+\s+\d+\s+\d+\.\d%\s+\d+\.\d s\s+\d+%\s+\d+%$/;

let npm: ChildProcess | undefined;
let stdout = '';
let stderr = '';
let exit: Promise<ProgramExit> | undefined;

/** Pids of the programs it started, from its `pid N` lines. */
const startedPids = () => [...stdout.matchAll(/ pid (\d+) /g)].map((match) => Number(match[1]));

/** Processes still running (zombies aside) whose process group is one of `groups`, from /proc. */
function runningInGroups(groups: ReadonlySet<number>): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state !== 'Z' && groups.has(Number(pgrp))) found.push(`${entry}: ${readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ')}`);
    } catch {
      // It exited while we looked.
    }
  }
  return found;
}

afterAll(() => {
  // Only after a failure is anything left; the programs run in groups of their own.
  for (const group of [npm?.pid, ...startedPids()]) {
    if (group === undefined) continue;
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
});

describe('npm start', () => {
  it('runs a swarm whose viewers play and whose player answers, and Ctrl-C stops every process it started', async () => {
    npm = spawn('npm', ['start', '--', '--viewers', String(VIEWERS)], { cwd: REPO_ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const child = npm;
    exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const seen = () => `stdout:\n${stdout.slice(-4000)}\nstderr:\n${stderr.slice(-2000)}`;

    // Plain lines (not a terminal): a table every few seconds; wait for one where every viewer has played.
    await waitUntil(
      `a table where all ${VIEWERS} viewers report continuity and lag`,
      () => {
        const lastTable = stdout.split('\n\n').filter((block) => block.includes('\nviewer ')).at(-1) ?? '';
        const playing = new Set(lastTable.split('\n').flatMap((line) => line.match(PLAYING_ROW)?.[1] ?? []));
        return playing.size === VIEWERS;
      },
      { timeoutMs: PLAYING_TIMEOUT_MS, intervalMs: 500, describe: seen },
    );
    expect(startedPids()).toHaveLength(2 + VIEWERS);

    // Central's watch page of the stream answers at the printed URL (that a page plays is central's watch-page test).
    const watchUrl = /Open the watch page in a browser: (http:\/\/127\.0\.0\.1:\d+\/watch\/demo)\n/.exec(stdout)?.[1];
    expect(watchUrl, seen()).toBeDefined();
    const watchPage = await fetch(watchUrl!, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
    expect(watchPage.status).toBe(200);
    expect(await watchPage.text()).toContain('"name":"demo"');
    expect(stdout).toContain('(for other machines on the LAN: npm start -- --bind 0.0.0.0)');

    const playerUrl = /Or the first viewer's player: (http:\/\/\S+\/)/.exec(stdout)?.[1];
    expect(playerUrl, seen()).toBeDefined();
    const page = await fetch(playerUrl!, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
    expect(page.status).toBe(200);
    await page.body?.cancel();
    const stream = await fetch(`${playerUrl}stream.ts`, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    const { value } = await reader.read();
    await reader.cancel();
    expect(value?.[0], 'the stream starts on an MPEG-TS sync byte').toBe(0x47);

    // Ctrl-C: the terminal sends SIGINT to the whole foreground job.
    process.kill(-child.pid!, 'SIGINT');
    const exited = await Promise.race([exit, new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), EXIT_TIMEOUT_MS).unref())]);
    expect(exited, seen()).not.toBe('late');
    // npm ends itself with the signal its script got, as shells expect of an interrupted job.
    expect([0, 'SIGINT']).toContain((exited as ProgramExit).signal ?? (exited as ProgramExit).code);
    expect(stdout).toContain('SIGINT: stopping every process');
    expect(stdout.trimEnd().split('\n').at(-1)).toBe('p2pstream: every process it started has exited');
    expect(stderr).not.toContain('npm start:');
    expect(runningInGroups(new Set([child.pid!, ...startedPids()]))).toEqual([]);
  }, PLAYING_TIMEOUT_MS + EXIT_TIMEOUT_MS + 2 * HTTP_TIMEOUT_MS);
});
