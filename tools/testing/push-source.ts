/**
 * A byte source a test feeds by hand, as a socket or stdin would feed a chunker or a
 * publisher: `push` bytes, then `end()` it or `fail(error)` it. Bytes pushed before either
 * are still read first. `returned` says whether the reader let go of it (called `return()`,
 * as `for await … break` does), which wakes a read still waiting.
 */
export class PushSource implements AsyncIterable<Uint8Array> {
  returned = false;
  readonly #queue: Uint8Array[] = [];
  #ended = false;
  #failure: Error | undefined;
  #wake: (() => void) | undefined;

  push(bytes: Uint8Array): void {
    this.#queue.push(bytes);
    this.#wake?.();
  }

  end(): void {
    this.#ended = true;
    this.#wake?.();
  }

  fail(error: Error): void {
    this.#failure = error;
    this.#wake?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: async () => {
        for (;;) {
          const value = this.#queue.shift();
          if (value !== undefined) return { done: false, value };
          if (this.#failure) throw this.#failure;
          if (this.#ended || this.returned) return { done: true, value: undefined };
          await new Promise<void>((resolve) => (this.#wake = resolve));
        }
      },
      return: async () => {
        this.returned = true;
        this.#wake?.();
        return { done: true, value: undefined };
      },
    };
  }
}
