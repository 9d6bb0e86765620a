import { DEFAULT_MAX_BUFFER_BYTES } from './constants.js';
import { piecesOf, resolveRange, type ByteSource, type Data, type ReadOptions, type SizeOptions, type WriteOptions } from './data.js';
import { DataTooLargeError, InvalidOptionError } from './errors.js';

export interface BufferDataOptions {
  /**
   * Bytes held at most; a write that would go past it fails with `DATA_TOO_LARGE`
   * and leaves the data as it was.
   * @default 256 MiB
   */
  maxBytes?: number;
}

/**
 * Data held in memory. Written pieces are copied, so a source may reuse its
 * buffers; read pieces are views of the held bytes and must not be modified.
 */
export class BufferData implements Data {
  readonly maxBytes: number;
  #pieces: Uint8Array[] = [];
  #size = 0;

  constructor(initial?: Uint8Array, options: BufferDataOptions = {}) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BUFFER_BYTES;
    if (!Number.isSafeInteger(this.maxBytes) || this.maxBytes < 0) {
      throw new InvalidOptionError(`maxBytes must be an integer >= 0, got ${this.maxBytes}`);
    }
    if (initial !== undefined && initial.length > 0) this.#take([new Uint8Array(initial)], initial.length);
  }

  async *read(options: ReadOptions = {}): AsyncGenerator<Uint8Array> {
    options.signal?.throwIfAborted();
    const { start, end } = resolveRange(options, this.#size);
    // A snapshot, so a write while the reader is suspended does not change what it reads.
    const pieces = this.#pieces;
    let offset = 0;
    for (const piece of pieces) {
      const pieceEnd = offset + piece.length;
      if (pieceEnd > start && offset < end) {
        options.signal?.throwIfAborted();
        yield piece.subarray(Math.max(0, start - offset), Math.min(piece.length, end - offset));
      }
      offset = pieceEnd;
      if (offset >= end) return;
    }
  }

  async write(source: ByteSource, options: WriteOptions = {}): Promise<number> {
    const base = options.append ? this.#size : 0;
    const pieces: Uint8Array[] = [];
    let written = 0;
    for await (const piece of piecesOf(source, options.signal)) {
      if (base + written + piece.length > this.maxBytes) {
        throw new DataTooLargeError(`writing more than ${this.maxBytes} bytes into a BufferData — raise maxBytes or use FileData`);
      }
      if (piece.length > 0) pieces.push(new Uint8Array(piece)); // a copy: Buffer#slice would only make a view
      written += piece.length;
    }
    this.#take(options.append ? [...this.#pieces, ...pieces] : pieces, base + written);
    return written;
  }

  async size(options: SizeOptions = {}): Promise<number> {
    options.signal?.throwIfAborted();
    return this.#size;
  }

  /** All the bytes in one buffer (a copy). */
  toUint8Array(): Uint8Array {
    return Buffer.concat(this.#pieces, this.#size);
  }

  #take(pieces: Uint8Array[], size: number): void {
    this.#pieces = pieces;
    this.#size = size;
  }
}
