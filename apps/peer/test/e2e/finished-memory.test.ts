import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exitWithin, loopback, READY_TIMEOUT_MS, startCentral, startPublisher, startViewer, stopEverything, tempDir } from './processes.js';

const BLOCK = 18;
const MiB = 2 ** 20;
const FILM_BYTES = 128 * MiB;
/** The same programs on a stream 128 times smaller: what a peer takes whatever the stream (tsx's compiler alone is about 60 MB). */
const SMALL_BYTES = 1 * MiB;
const CACHE = '4MiB';
/**
 * How much more a peer of the 128 MiB stream may peak at than the same peer of the 1 MiB one:
 * half the file. Holding the stream in memory costs more than the whole file (before chunks
 * went to disk, a 64 MiB stream already took each end 80 MiB more than a 1 MiB one). On disk
 * the difference is the 4 MiB cache plus buffers not yet garbage-collected (V8 collects once
 * some tens of MB of them are dropped), whatever the stream's length: measured +26 to +37 MiB
 * (publisher) and +46 to +51 MiB (viewer) at 64 MiB and at 128 MiB alike.
 */
const MAX_GROWTH_BYTES = FILM_BYTES / 2;
const COMPLETE_WITHIN_MS = 60_000;

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

afterEach(stopEverything, 30_000);

/** Peak resident memory (VmHWM) of processes, read every 100 ms while they run, so a process that exits keeps its last reading. */
class PeakMemory {
  readonly #peaks = new Map<number, number>();
  readonly #timer = setInterval(() => this.sample(), 100);

  watch(pid: number): void {
    this.#peaks.set(pid, 0);
    this.sample();
  }

  sample(): void {
    for (const [pid, peak] of this.#peaks) {
      try {
        const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        if (kb) this.#peaks.set(pid, Math.max(peak, Number(kb[1]) * 1024));
      } catch {
        // exited: its last reading stands
      }
    }
  }

  peak(pid: number): number {
    return this.#peaks.get(pid) ?? 0;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

describe('a finished stream on disk', { timeout: 4 * READY_TIMEOUT_MS + COMPLETE_WITHIN_MS + 30_000 }, () => {
  it('keeps the memory of its publisher and viewer bounded by the cache, not by the stream, and the copy exact', async () => {
    const dir = tempDir();
    const memory = new PeakMemory();
    try {
      const central = await startCentral(BLOCK);
      const run = async (name: string, bytes: number, hosts: [number, number]) => {
        const source = join(dir, `${name}.bin`);
        writeFileSync(source, randomBytes(bytes));
        const publisher = await startPublisher({ central, host: loopback(BLOCK, hosts[0]), name, dir, source, raw: true, args: ['--cache', CACHE] });
        memory.watch(publisher.peer.pid);
        const viewer = await startViewer({ central, host: loopback(BLOCK, hosts[1]), name, dir, args: ['--cache', CACHE] });
        memory.watch(viewer.peer.pid);
        const exit = await exitWithin(viewer.peer, COMPLETE_WITHIN_MS);
        memory.sample();
        expect(exit, viewer.peer.describe()).toEqual({ code: 0, signal: null });
        const output = readFileSync(viewer.out);
        expect(output.length).toBe(bytes);
        expect(sha256(output), `${name}: the output differs from the source`).toBe(sha256(readFileSync(source)));
        return { publisher: memory.peak(publisher.peer.pid), viewer: memory.peak(viewer.peer.pid) };
      };
      // One after the other, so the two runs do not share the two cores.
      const small = await run('small', SMALL_BYTES, [2, 3]);
      const film = await run('film', FILM_BYTES, [4, 5]);
      const label = `peak RSS, 1 MiB stream → ${FILM_BYTES / MiB} MiB stream: publisher ${(small.publisher / MiB).toFixed(0)} → ${(film.publisher / MiB).toFixed(0)} MiB, viewer ${(small.viewer / MiB).toFixed(0)} → ${(film.viewer / MiB).toFixed(0)} MiB`;
      console.log(label);
      expect(film.publisher - small.publisher, label).toBeLessThan(MAX_GROWTH_BYTES);
      expect(film.viewer - small.viewer, label).toBeLessThan(MAX_GROWTH_BYTES);
    } finally {
      memory.stop();
    }
  });
});
