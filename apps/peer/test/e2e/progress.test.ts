import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runPeer, startPeer } from '../../../../tools/swarm/peer-process.js';
import { exitWithin, fixture, loopback, peerFlags, READY_TIMEOUT_MS, startCentral, startPublisher, stopEverything, tempDir } from './processes.js';

/** The progress line of a finished stream, on a terminal and off it; one loopback block per file. */
const BLOCK = 17;

afterEach(async () => {
  await stopEverything();
}, 30_000);

/** `film · 43% (10 of 23 chunks) · 4.6 MB · ↓ 1.2 MB/s ↑ 0 B/s · ETA 0:13 · 3 peers` (or `ETA --` before the pace shows, `done` at the end). */
const PROGRESS = /film · \d+% \(\d+ of (\d+) chunks\) · [\d.]+ [kMG]?B · ↓ [\d.]+ [kM]?B\/s ↑ [\d.]+ [kM]?B\/s · (ETA (\d+:\d\d|--)|done) · \d+ peers/;

describe('watching a finished stream', { timeout: 4 * READY_TIMEOUT_MS }, () => {
  it('shows progress with bytes, rates, time left and peers on a terminal, and the same as plain lines elsewhere', async () => {
    const dir = tempDir();
    const central = await startCentral(BLOCK);
    // The fixture (1.5 MB) at 300 kB/s takes about 5 s: several readings of the status line.
    await startPublisher({ central, host: loopback(BLOCK, 2), name: 'film', dir, uploadLimit: '300k' });

    // Both start together, so neither can fetch the whole stream at once from the other.
    const plainRun = runPeer(['watch', 'film', '--out', join(dir, 'plain.ts'), ...(await peerFlags(central, loopback(BLOCK, 4)))], {
      timeoutMs: 2 * READY_TIMEOUT_MS,
    });
    const onTerminal = await startPeer(['watch', 'film', '--out', join(dir, 'tty.ts'), ...(await peerFlags(central, loopback(BLOCK, 3)))], {
      terminal: true,
      readyTimeoutMs: READY_TIMEOUT_MS,
    });
    const plain = await plainRun;
    expect((await exitWithin(onTerminal, 2 * READY_TIMEOUT_MS)).code, onTerminal.describe()).toBe(0);
    expect(plain.code, plain.stderr).toBe(0);
    expect(readFileSync(join(dir, 'tty.ts')).equals(fixture())).toBe(true);

    const drawn = onTerminal.stderr().split('\r\x1b[K').filter((part) => PROGRESS.test(part));
    expect(drawn.length, `no progress line drawn in place: ${JSON.stringify(onTerminal.stderr().slice(-2000))}`).toBeGreaterThan(0);
    expect(Number(PROGRESS.exec(drawn[0]!)![1]), 'the stream length in chunks').toBeGreaterThan(1);

    const lines = plain.stderr.split('\n');
    expect(lines.some((line) => PROGRESS.test(line)), plain.stderr).toBe(true);
    expect(plain.stderr, 'no cursor movement off a terminal').not.toMatch(/\r|\x1b/);
  });
});
