import { MAX_READ_BYTES, MIN_READ_BYTES } from './constants.js';

/**
 * Read buffers for a dialed socket: the rest of the frame under way when the
 * connection says where that is (`readInto`), so a large chunk's bytes land in
 * the buffer it is decoded from (no read buffer to copy it out of, none to
 * collect); otherwise fresh ones, sized to the traffic. While reads
 * keep filling the buffer (chunks streaming in) it doubles up to
 * `MAX_READ_BYTES`, so most 64 KiB chunk frames land whole in one read and are
 * decoded in place instead of being copied together from two reads; when reads
 * use less than half of it it halves again, so a quiet connection reads into
 * 64 KiB as Node would and no read ties up much more memory than it filled. Each read gets its own buffer because decoded messages keep
 * views into it.
 */
export class ReadBuffers {
  #size = MIN_READ_BYTES;
  #space: (() => Uint8Array | undefined) | undefined;
  /** The last buffer handed out was the frame's, not one of ours: its reads say nothing of the traffic. */
  #lent = false;

  /** Reads go into what `space()` returns, when it returns room, from the next read on. */
  readInto(space: () => Uint8Array | undefined): void {
    this.#space = space;
  }

  next(): Uint8Array {
    const space = this.#space?.();
    this.#lent = space !== undefined && space.length > 0;
    return this.#lent ? space! : Buffer.allocUnsafe(this.#size);
  }

  /** Adapts the next size to how much of the last buffer a read used. */
  used(bytes: number): void {
    if (this.#lent) return;
    if (bytes >= this.#size) this.#size = Math.min(this.#size * 2, MAX_READ_BYTES);
    else if (bytes < this.#size / 2) this.#size = Math.max(this.#size / 2, MIN_READ_BYTES);
  }
}
