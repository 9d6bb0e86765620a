import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exitWithin, lastPublisherStats, loopback, READY_TIMEOUT_MS, startCentral, startPublisher, startViewer, stopEverything, tempDir } from './processes.js';

const BLOCK = 17;
const VIEWERS = 4;
/** 512 chunks of 64 KiB. */
const FILE_BYTES = 32 * 1024 * 1024;
/**
 * Makes the download outlast the viewers finding each other (a look-up every 3 s), so most chunks
 * are still only at the publisher when each viewer sees four peers, and keeps the run's length
 * set by bandwidth more than by a busy CPU.
 */
const PUBLISHER_UPLOAD_LIMIT = '5MB';
/**
 * About 1.3 copies at 5 MB/s is 9 s; measured 9–20 s on the shared two-core machine (load 6–19).
 * Before the fix, viewers left chunks only the publisher held until the scheduler's playhead
 * (100 ms a chunk on a finished stream) came near them: up to 50 s for 512 chunks, and this
 * test failed 3 runs of 3 (at 10 MB/s, 2 of 3).
 */
const COMPLETE_WITHIN_MS = 30_000;

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

afterEach(stopEverything, 30_000);

describe('a finished stream watched by four viewers started at once', { timeout: 2 * READY_TIMEOUT_MS + COMPLETE_WITHIN_MS + 30_000 }, () => {
  it('reaches every viewer whole, byte for byte, and each watch exits 0', async () => {
    const dir = tempDir();
    const source = join(dir, 'film.bin');
    writeFileSync(source, randomBytes(FILE_BYTES));
    const central = await startCentral(BLOCK);
    const publisher = await startPublisher({ central, host: loopback(BLOCK, 2), name: 'film', dir, source, raw: true, uploadLimit: PUBLISHER_UPLOAD_LIMIT });

    const viewers = await Promise.all(
      Array.from({ length: VIEWERS }, (_, i) => startViewer({ central, host: loopback(BLOCK, 3 + i), name: 'film', dir })),
    );
    const exits = await Promise.all(viewers.map((viewer) => exitWithin(viewer.peer, COMPLETE_WITHIN_MS)));

    const expected = sha256(readFileSync(source));
    for (const [index, viewer] of viewers.entries()) {
      expect(exits[index], viewer.peer.describe()).toEqual({ code: 0, signal: null });
      const output = readFileSync(viewer.out);
      expect(output.length, `${viewer.host} wrote ${output.length} of ${FILE_BYTES} bytes`).toBe(FILE_BYTES);
      expect(sha256(output), `${viewer.host}'s output differs from the source`).toBe(expected);
    }
    // The viewers fetched from each other: the publisher sent less than two copies in all (1.3 measured).
    const uploaded = lastPublisherStats(publisher)?.bytesUploaded ?? 0;
    expect(uploaded, `the publisher uploaded ${(uploaded / FILE_BYTES).toFixed(2)} copies`).toBeLessThan(2 * FILE_BYTES);
  });
});
