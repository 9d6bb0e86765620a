import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  /** Give up after this long. */
  timeoutMs: number;
  /**
   * How often to check.
   * @default 200
   */
  intervalMs?: number;
  /** Aborts the wait with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Polls `check` until it returns something other than undefined or false, and
 * resolves with that. Rejects after `timeoutMs` with `what` and the last thing
 * `describe` says (what was seen instead), so a failed wait explains itself.
 */
export async function waitUntil<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  options: WaitOptions & { describe?: () => string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    options.signal?.throwIfAborted();
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() >= deadline) {
      const seen = options.describe ? `\n${options.describe()}` : '';
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}${seen}`);
    }
    await sleep(options.intervalMs ?? 200, undefined, options.signal ? { signal: options.signal } : {});
  }
}
