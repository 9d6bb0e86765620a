import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exitWithin, loopback, READY_TIMEOUT_MS, startCentral, startPublisher, startViewer, stopEverything, tempDir } from './processes.js';

const BLOCK = 18;
const MiB = 2 ** 20;
/**
 * Two finished streams 128 MiB apart, each long enough that a peer has reached what it takes
 * whatever the stream: tsx's compiler (about 60 MB), the 4 MiB cache, and the buffers dropped
 * but not yet collected. V8 collects those once 64 MB more of them than at the last collection
 * are waiting, so from a 1 MiB stream to any past ~64 MiB a peer's peak grows by up to that
 * much, by design and whatever the stream; comparing two streams past it leaves out that slack.
 */
const SHORT_BYTES = 96 * MiB;
const LONG_BYTES = 224 * MiB;
/**
 * How much more a peer of the longer stream may peak at: half the 128 MiB between the two.
 * A peer that held the stream in memory (as both ends did before chunks went to disk) grows
 * by more than the difference; on disk the growth is the per-chunk index, a few MB.
 */
const MAX_GROWTH_BYTES = (LONG_BYTES - SHORT_BYTES) / 2;
const CACHE = '4MiB';
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
      const short = await run('short', SHORT_BYTES, [2, 3]);
      const long = await run('long', LONG_BYTES, [4, 5]);
      const mib = (bytes: number): string => (bytes / MiB).toFixed(0);
      const label = `peak RSS, ${mib(SHORT_BYTES)} MiB stream → ${mib(LONG_BYTES)} MiB stream: publisher ${mib(short.publisher)} → ${mib(long.publisher)} MiB, viewer ${mib(short.viewer)} → ${mib(long.viewer)} MiB`;
      console.log(label);
      expect(long.publisher - short.publisher, label).toBeLessThan(MAX_GROWTH_BYTES);
      expect(long.viewer - short.viewer, label).toBeLessThan(MAX_GROWTH_BYTES);
    } finally {
      memory.stop();
    }
  });
});
