import { Scheduler, toBufferMap, type FetchChunk } from '@p2pstream/scheduler';
import { ManualClock } from '@p2pstream/units';

// Simulated time, so this runs in an instant and the same way every time.
const clock = new ManualClock();

// Two peers hold chunks 0–7 of a finished recording: "alice" answers in 80 ms, "bob" never does.
const fetch: FetchChunk = (peer, seq, { signal }) =>
  new Promise((resolve, reject) => {
    const timer = peer === 'alice' ? clock.setTimeout(() => resolve(64 * 1024), 80) : undefined;
    // The scheduler aborts a request it gave up on (timed out, moved elsewhere, no longer needed).
    signal.addEventListener('abort', () => {
      clock.clearTimeout(timer);
      reject(signal.reason);
    });
  });

const scheduler = new Scheduler({ fetch, clock, live: false });
scheduler.on('played', ({ seq }) => console.log(`play chunk ${seq}`));
scheduler.on('ended', () => console.log(`ended at ${clock.now()} ms`));

scheduler.addPeer('alice', toBufferMap([0, 1, 2, 3, 4, 5, 6, 7]));
scheduler.addPeer('bob', toBufferMap([0, 1, 2, 3, 4, 5, 6, 7]));
scheduler.start();
await clock.run(20_000);

console.log(`alice delivered ${scheduler.peerInfo('alice')?.delivered}, bob ${scheduler.peerInfo('bob')?.delivered}`);
scheduler.close();
