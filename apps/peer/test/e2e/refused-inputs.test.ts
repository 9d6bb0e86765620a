import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../../tools/testing/index.js';
import { runPeer, startPeer } from '../../../../tools/swarm/peer-process.js';
import { waitUntil } from '../../../../tools/swarm/wait.js';
import { exitWithin, fixture, loopback, READY_TIMEOUT_MS, startCentral, startPublisher, stopEverything, tempDir, type Central } from './processes.js';

/** Inputs a publisher must refuse out loud, and what `list` shows after; one loopback block per file. */
const BLOCK = 16;

afterEach(async () => {
  await stopEverything();
}, 30_000);

/** The lines of a program's stderr that are not blank. */
const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

/** `list`'s table as rows of cells (header first), or [] when nothing is on. */
async function listRows(central: Central): Promise<string[][]> {
  const run = await runPeer(['list', '--central', central.address]);
  expect(run.code, run.stderr).toBe(0);
  return lines(run.stdout.toString()).map((line) => line.split(/\s+/));
}

/** The VIEWERS and CHUNKS of one stream in `list`, or undefined when it is not listed. */
async function listed(central: Central, name: string): Promise<{ viewers: number; chunks: number } | undefined> {
  const rows = await listRows(central);
  const header = rows[0] ?? [];
  const row = rows.find((cells) => cells[0] === name);
  return row && { viewers: Number(row[header.indexOf('VIEWERS')]), chunks: Number(row[header.indexOf('CHUNKS')]) };
}

const peerArgs = async (central: Central, host: string) => ['--central', central.address, '--host', host, '--port', String(await freePort(host))];

describe('a publisher given input it cannot publish', { timeout: 3 * READY_TIMEOUT_MS }, () => {
  it('refuses stdin that closes at once with exit code 1, says so, and leaves nothing listed', async () => {
    const dir = tempDir();
    const central = await startCentral(BLOCK);
    // runPeer gives the program /dev/null as stdin: it ends before the first byte.
    const run = await runPeer(['publish', 'empty', '--source', '-', '--key', join(dir, 'empty.key'), ...(await peerArgs(central, loopback(BLOCK, 2)))], {
      timeoutMs: READY_TIMEOUT_MS,
    });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain('stdin ended before any data came: nothing to publish');
    expect(await listRows(central), 'a stream with no chunk should not be listed').toEqual([]);
  });

  it('refuses stdin that is not MPEG-TS with exit code 1, says how to publish it anyway, and leaves nothing listed', async () => {
    const dir = tempDir();
    const central = await startCentral(BLOCK);
    const args = ['publish', 'words', '--source', '-', '--key', join(dir, 'words.key'), ...(await peerArgs(central, loopback(BLOCK, 3)))];
    const publisher = await startPeer(args, { stdin: 'pipe', waitReady: false });
    publisher.stdin!.end(Buffer.from('these are words, not a video stream\n'.repeat(100)));
    const exit = await exitWithin(publisher, READY_TIMEOUT_MS);
    expect(exit.code, publisher.describe()).toBe(1);
    expect(publisher.stderr()).toMatch(/stdin is not MPEG-TS .*--format raw/);
    expect(await listRows(central)).toEqual([]);
  });

  it('refuses a file that is not MPEG-TS before publishing anything, in one line, and writes no key file', async () => {
    const dir = tempDir();
    const central = await startCentral(BLOCK);
    const notes = join(dir, 'notes.txt');
    writeFileSync(notes, 'these are words, not a video stream\n'.repeat(100));
    const run = await runPeer(['publish', 'notes', '--source', notes, '--key', join(dir, 'notes.key'), ...(await peerArgs(central, loopback(BLOCK, 4)))]);
    expect(run.code, run.stderr).toBe(1);
    expect(lines(run.stderr), run.stderr).toHaveLength(1);
    expect(run.stderr).toContain(`--source ${notes} is not MPEG-TS`);
    expect(run.stderr).toContain('--format raw');
    expect(existsSync(join(dir, 'notes.key')), 'key file of a refused publish').toBe(false);
    expect(await listRows(central)).toEqual([]);
  });

  it('publishes any bytes with --format raw, and a viewer gets them byte for byte', async () => {
    const dir = tempDir();
    const central = await startCentral(BLOCK);
    const notes = join(dir, 'notes.txt');
    const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => `line ${i} of a file that is no video\n`).join(''));
    writeFileSync(notes, bytes);
    await startPeer(['publish', 'notes', '--source', notes, '--format', 'raw', '--key', join(dir, 'notes.key'), ...(await peerArgs(central, loopback(BLOCK, 5)))], {
      readyTimeoutMs: READY_TIMEOUT_MS,
    });
    const out = join(dir, 'notes-out.txt');
    const watch = await runPeer(['watch', 'notes', '--out', out, ...(await peerArgs(central, loopback(BLOCK, 6)))], { timeoutMs: 2 * READY_TIMEOUT_MS });
    expect(watch.code, watch.stderr).toBe(0);
    expect(readFileSync(out).equals(bytes), 'the viewer should get the raw bytes as published').toBe(true);
  });

  it('writes no key file when central refuses the publish (the name is taken), with --key or in the default place', async () => {
    const dir = tempDir();
    const central = await startCentral(BLOCK);
    await startPublisher({ central, host: loopback(BLOCK, 7), name: 'taken', dir });

    const other = join(dir, 'other.key');
    const withKey = await runPeer(['publish', 'taken', '--source', '-', '--key', other, ...(await peerArgs(central, loopback(BLOCK, 8)))]);
    expect(withKey.code, withKey.stderr).toBe(1);
    expect(withKey.stderr).toMatch(/taken by another key/);
    expect(existsSync(other), `${other} was written for a refused publish`).toBe(false);

    const config = join(dir, 'config');
    const byDefault = await runPeer(['publish', 'taken', '--source', '-', ...(await peerArgs(central, loopback(BLOCK, 9)))], {
      env: { P2PSTREAM_CONFIG_DIR: config },
    });
    expect(byDefault.code, byDefault.stderr).toBe(1);
    const keys = existsSync(join(config, 'keys')) ? readdirSync(join(config, 'keys')) : [];
    expect(keys, 'key files written for a refused publish').toEqual([]);
  });
});

describe('list after a publish', { timeout: 3 * READY_TIMEOUT_MS }, () => {
  it('counts viewers, not the publisher', async () => {
    const dir = tempDir();
    const central = await startCentral(BLOCK);
    await startPublisher({ central, host: loopback(BLOCK, 10), name: 'film', dir });
    expect(await listed(central, 'film')).toMatchObject({ viewers: 0 });
    await startPeer(['relay', 'film', ...(await peerArgs(central, loopback(BLOCK, 11)))], { readyTimeoutMs: READY_TIMEOUT_MS });
    await waitUntil('list to show the relay as the one viewer', async () => (await listed(central, 'film'))?.viewers === 1, {
      timeoutMs: 30_000,
      intervalMs: 1_000,
      describe: () => 'list never showed VIEWERS 1',
    });
  });

  it('shows the new session\'s chunks after the stream is published again, not the last session\'s', async () => {
    const dir = tempDir();
    // Peers re-announce (and so report their edge) every 2 s instead of 15 s.
    const central = await startCentral(BLOCK, { args: ['--interval', '2s'] });
    const first = await startPublisher({ central, host: loopback(BLOCK, 12), name: 'again', dir });
    const before = await listed(central, 'again');
    expect(before?.chunks, 'the finished fixture is several chunks').toBeGreaterThan(2);
    await first.peer.stop();

    // The same key publishes again, live from stdin, and gets one chunk's worth of packets, then nothing.
    const args = ['publish', 'again', '--source', '-', '--key', first.key, ...(await peerArgs(central, loopback(BLOCK, 13)))];
    const second = await startPeer(args, { stdin: 'pipe', readyTimeoutMs: READY_TIMEOUT_MS });
    second.stdin!.write(fixture().subarray(0, 20 * 188));
    const now = await waitUntil('list to show the new session', async () => {
      const entry = await listed(central, 'again');
      return entry && entry.chunks >= 1 ? entry : undefined;
    }, { timeoutMs: 30_000, intervalMs: 1_000 });
    // One write is cut into one chunk, or two when a 500 ms grid line falls between its reads.
    expect(now.chunks, `list showed ${now.chunks} chunks; the new session has 1 or 2, the last one had ${before!.chunks}`).toBeLessThanOrEqual(2);
  });
});
