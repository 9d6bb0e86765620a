/** Smallest buffer a `CopiedPendingFrame` grows from. */
const MIN_SCRATCH_BYTES = 16 * 1024;

/**
 * The bytes of a frame begun in an earlier read, kept until the rest arrives.
 * `bytes` is only valid until the next `add` or `clear`.
 */
export interface PendingFrame {
  readonly length: number;
  add(bytes: Uint8Array): void;
  /** The bytes kept so far, in one piece. */
  bytes(): Uint8Array;
  clear(): void;
}

/**
 * Views into the reads themselves (which the caller leaves as they are), joined once
 * into a buffer of their exact size when asked: no copy until then, and none for a
 * frame kept in one piece.
 */
export class ViewedPendingFrame implements PendingFrame {
  #pieces: Uint8Array[] = [];
  length = 0;

  add(bytes: Uint8Array): void {
    this.#pieces.push(bytes);
    this.length += bytes.length;
  }

  bytes(): Uint8Array {
    const pieces = this.#pieces;
    if (pieces.length === 1) return pieces[0]!;
    const joined = Buffer.allocUnsafe(this.length);
    let filled = 0;
    for (const piece of pieces) {
      joined.set(piece, filled);
      filled += piece.length;
    }
    this.#pieces = [joined];
    return joined;
  }

  clear(): void {
    this.#pieces = [];
    this.length = 0;
  }
}

/**
 * Copies into one buffer of its own, for a caller that reads into the same buffer
 * again: each byte is copied once, and the buffer is used for frame after frame. It
 * grows (doubling, up to `maxBytes`) only as bytes arrive, so a peer makes it hold at
 * most twice what it sent, however long a frame it announces.
 */
export class CopiedPendingFrame implements PendingFrame {
  readonly #maxBytes: number;
  #scratch: Uint8Array | undefined;
  length = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  add(bytes: Uint8Array): void {
    const needed = this.length + bytes.length;
    if (this.#scratch === undefined || this.#scratch.length < needed) {
      const doubled = Math.min(Math.max(MIN_SCRATCH_BYTES, (this.#scratch?.length ?? 0) * 2), this.#maxBytes);
      const grown = Buffer.allocUnsafeSlow(Math.max(needed, doubled));
      if (this.length > 0) grown.set(this.#scratch!.subarray(0, this.length));
      this.#scratch = grown;
    }
    this.#scratch.set(bytes, this.length);
    this.length = needed;
  }

  bytes(): Uint8Array {
    // Asked for only once something was added, so the scratch exists.
    return this.#scratch!.subarray(0, this.length);
  }

  clear(): void {
    this.length = 0;
  }
}
