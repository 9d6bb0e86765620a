import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { exitWithin, fixture, loopback, READY_TIMEOUT_MS, startCentral, startPublisher, startViewer, stopEverything, tempDir } from './processes.js';

const BLOCK = 1;
/** A finished stream is fetched as fast as the swarm goes: 1.5 MB on loopback takes seconds, not the stream's 20. */
const WATCH_TIMEOUT_MS = 60_000;

afterEach(stopEverything, 30_000);

describe('a finished stream', { timeout: 2 * READY_TIMEOUT_MS + WATCH_TIMEOUT_MS }, () => {
  it('reaches three viewers byte for byte, and each watch exits 0 after the last chunk', async () => {
    const dir = tempDir();
    const central = await startCentral(BLOCK);
    await startPublisher({ central, host: loopback(BLOCK, 2), name: 'finished', dir });

    const viewers = await Promise.all([3, 4, 5].map((host) => startViewer({ central, host: loopback(BLOCK, host), name: 'finished', dir })));
    const exits = await Promise.all(viewers.map((viewer) => exitWithin(viewer.peer, WATCH_TIMEOUT_MS)));

    const source = fixture();
    for (const [index, viewer] of viewers.entries()) {
      expect(exits[index], viewer.peer.describe()).toEqual({ code: 0, signal: null });
      const output = readFileSync(viewer.out);
      expect(output.length, `${viewer.host} wrote ${output.length} of ${source.length} bytes`).toBe(source.length);
      expect(output.equals(source), `${viewer.host}'s output differs from the fixture`).toBe(true);
    }
  });
});
