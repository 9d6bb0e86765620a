import { MAX_READ_BYTES, MIN_READ_BYTES, SHRINK_AFTER_READS } from './constants.js';

/**
 * Read buffers for a dialed socket, sized to the traffic. While reads keep
 * filling the buffer (chunks streaming in) it doubles up to `MAX_READ_BYTES`,
 * so most 64 KiB chunk frames land whole in one read and are decoded in place
 * instead of being copied together from two reads; when reads use less than
 * half of it it halves again, so a quiet connection reads into 64 KiB as Node
 * would and no read ties up much more memory than it filled.
 *
 * Each read gets a fresh buffer when decoded messages keep views into it. With
 * `reuse` (the decoder copies what it keeps) the buffer is read into again until
 * its size changes: no garbage per read, which a long download made by the GB.
 * A reused buffer halves only after `SHRINK_AFTER_READS` reads in a row used less
 * than half of it: chunks streaming in fill some reads and not others, and each
 * change of size is a fresh buffer.
 */
export class ReadBuffers {
  readonly #reuse: boolean;
  #size = MIN_READ_BYTES;
  #buffer: Buffer | undefined;
  /** Reads in a row that used less than half the buffer. */
  #smallReads = 0;

  constructor(options: { reuse?: boolean } = {}) {
    this.#reuse = options.reuse ?? false;
  }

  next(): Buffer {
    if (!this.#reuse) return Buffer.allocUnsafe(this.#size);
    if (this.#buffer?.length !== this.#size) this.#buffer = Buffer.allocUnsafeSlow(this.#size);
    return this.#buffer;
  }

  /** Adapts the next size to how much of the last buffer a read used. */
  used(bytes: number): void {
    this.#smallReads = bytes < this.#size / 2 ? this.#smallReads + 1 : 0;
    if (bytes >= this.#size) this.#size = Math.min(this.#size * 2, MAX_READ_BYTES);
    else if (this.#smallReads >= (this.#reuse ? SHRINK_AFTER_READS : 1)) {
      this.#size = Math.max(this.#size / 2, MIN_READ_BYTES);
      this.#smallReads = 0;
    }
  }
}
