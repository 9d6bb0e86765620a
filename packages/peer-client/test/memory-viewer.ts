import type { ManualClock } from '@p2pstream/units';
import { PeerClient, type PeerClientOptions } from '../src/index.js';
import { onCleanup } from '../../../tools/testing/cleanup.js';

/**
 * A viewer of `cam1` for tests on a memory network and a fake clock: live from chunk 0 at 100 ms
 * a chunk, playing 1 s after it starts, closed after the test (moving the clock for its goodbyes).
 */
export function memoryViewer(
  clock: ManualClock,
  options: Pick<PeerClientOptions, 'tracker' | 'dial' | 'localAddress' | 'sink'> & Partial<PeerClientOptions>,
): PeerClient {
  const client = new PeerClient({ name: 'cam1', clock, from: 0, chunkMs: 100, scheduler: { startupDelayMs: 1000 }, ...options });
  onCleanup(async () => {
    const closing = client.close();
    await clock.run(3000);
    await closing;
  });
  return client;
}
