import { memoryRegistry, startTracker, type RunningTracker, type StartTrackerOptions } from '@p2pstream/tracker';

/**
 * The real tracker (`@p2pstream/tracker`) in this process, on 127.0.0.1 and a free
 * port, with a memory registry unless told otherwise. Announces are not rate-limited
 * here: tests re-announce every few ms from one address.
 */
export function startCentral(options: StartTrackerOptions = {}): Promise<RunningTracker> {
  return startTracker({ registry: memoryRegistry(), host: '127.0.0.1', port: 0, announceRate: 10_000, ...options });
}

/** `host:port`, as a TrackerClient's `centrals` takes it. */
export function addressOf(central: RunningTracker): string {
  return `127.0.0.1:${central.port}`;
}

/** Resolves once `condition` holds, checking every 10 ms for at most `timeoutMs`. */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
