import { describe, expect, it } from 'vitest';
import { watch } from '../src/browser.js';

/** watch() with every required option; `extra` adds the ones under test. Nothing listens at this central. */
const watchWith = (extra: Record<string, unknown>) =>
  watch({ central: 'ws://127.0.0.1:9/ws', stream: 'film', onBytes: () => undefined, ...extra });

describe("the browser watch()'s latency options", () => {
  it.each([
    [{ latencyMs: -1 }, /latencyMs must be 0 or more milliseconds, not -1/],
    [{ latencyMs: Number.NaN }, /latencyMs must be 0 or more milliseconds/],
    [{ latencyMs: 3000, maxLatencyMs: 2000 }, /maxLatencyMs must be at least latencyMs \(3000 ms\), not 2000/],
    [{ maxLatencyMs: 1000 }, /maxLatencyMs must be at least latencyMs \(2000 ms\), not 1000/],
  ])('refuses %o before it looks the stream up, with a typed error', async (options, message) => {
    await expect(watchWith(options)).rejects.toMatchObject({ code: 'INVALID_OPTION', message: expect.stringMatching(message) });
  });
});
