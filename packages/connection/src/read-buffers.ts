import { MAX_READ_BYTES, MIN_READ_BYTES } from './constants.js';

/**
 * Fresh read buffers for a dialed socket, sized to the traffic. While reads
 * keep filling the buffer (chunks streaming in) it doubles up to
 * `MAX_READ_BYTES`, so most 64 KiB chunk frames land whole in one read and are
 * decoded in place instead of being copied together from two reads; when reads
 * use less than half of it it halves again, so a quiet connection reads into
 * 64 KiB as Node would and no read ties up much more memory than it filled. Each read gets its own buffer because decoded messages keep
 * views into it.
 */
export class ReadBuffers {
  #size = MIN_READ_BYTES;

  next(): Buffer {
    return Buffer.allocUnsafe(this.#size);
  }

  /** Adapts the next size to how much of the last buffer a read used. */
  used(bytes: number): void {
    if (bytes >= this.#size) this.#size = Math.min(this.#size * 2, MAX_READ_BYTES);
    else if (bytes < this.#size / 2) this.#size = Math.max(this.#size / 2, MIN_READ_BYTES);
  }
}
