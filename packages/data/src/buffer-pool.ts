import { POOLED_BUFFERS_PER_SIZE } from './constants.js';

/** The smallest buffer a pool hands out: below it Node's own pool serves small allocations better. */
const MIN_POOLED_BYTES = 4096;

/**
 * Buffers given back once nothing holds them, handed out again instead of fresh
 * ones. Each fresh buffer a file read takes is garbage once its bytes are sent, and
 * V8 collects such buffers only after some 64 MB of them wait, so a peer serving a
 * long stream from disk peaked tens of MB above what it holds. Sizes are rounded up
 * to a power of two, so chunks of one stream (one size, bar the last) share buffers.
 * Free buffers kept per size: `POOLED_BUFFERS_PER_SIZE`, or as many as fill `maxFreeBytes`.
 */
export class BufferPool {
  readonly #free = new Map<number, Buffer[]>();
  readonly #maxFreeBytes: number;

  constructor(options: { maxFreeBytes?: number } = {}) {
    this.#maxFreeBytes = options.maxFreeBytes ?? 0;
  }

  /** A buffer of at least `length` bytes (a used one when one of its size is free): the caller reads into its first `length`. */
  take(length: number): Buffer {
    const size = sizeFor(length);
    return this.#free.get(size)?.pop() ?? Buffer.allocUnsafeSlow(size);
  }

  /** Gives back a buffer from `take` that nothing reads or writes any more; one too many of its size is left to the collector. */
  give(buffer: Buffer): void {
    const size = buffer.length;
    if (size !== sizeFor(size)) return;
    let free = this.#free.get(size);
    if (!free) this.#free.set(size, (free = []));
    if (free.length < Math.max(POOLED_BUFFERS_PER_SIZE, Math.floor(this.#maxFreeBytes / size))) free.push(buffer);
  }

  clear(): void {
    this.#free.clear();
  }
}

function sizeFor(length: number): number {
  let size = MIN_POOLED_BYTES;
  while (size < length) size *= 2;
  return size;
}
