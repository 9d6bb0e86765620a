import { afterEach } from 'vitest';

/**
 * Closing what a test opened, after it, whether it passed or not. Imported on its own
 * (`tools/testing/cleanup.js`), not through index.ts: it registers a vitest hook when loaded,
 * and index.ts is also loaded by the swarm harness and the benchmarks, outside vitest.
 */

const toClose: Array<() => unknown> = [];

// Newest first: a client before the server it talks to.
afterEach(async () => {
  while (toClose.length > 0) await toClose.pop()!();
});

/** Runs `close` after the current test, before what was registered earlier. */
export function onCleanup(close: () => unknown): void {
  toClose.push(close);
}
