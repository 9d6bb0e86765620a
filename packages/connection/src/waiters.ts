/**
 * Callers of `drained()` waiting for room in the send buffer: each settles once,
 * when there is room, when the connection closes, or when its own signal aborts.
 */
export class Waiters {
  readonly #waiting = new Set<{ resolve: () => void; reject: (reason: unknown) => void }>();

  get size(): number {
    return this.#waiting.size;
  }

  wait(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiting.delete(waiter);
        reject(signal?.reason);
      };
      const waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (reason: unknown) => {
          signal?.removeEventListener('abort', onAbort);
          reject(reason);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.add(waiter);
    });
  }

  resolveAll(): void {
    for (const waiter of this.#waiting) waiter.resolve();
    this.#waiting.clear();
  }

  rejectAll(reason: unknown): void {
    for (const waiter of this.#waiting) waiter.reject(reason);
    this.#waiting.clear();
  }
}
