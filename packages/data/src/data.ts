import { InvalidArgumentError, InvalidSourceError } from './errors.js';

/** Bytes to write: one buffer, or pieces from an array, a generator, a Readable. */
export type ByteSource = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

export interface ReadOptions {
  /**
   * Offset of the first byte to read.
   * @default 0
   */
  start?: number;
  /**
   * Offset one past the last byte to read (exclusive, like `subarray`; unlike
   * `fs.createReadStream`). Past the end of the data reads to the end.
   * @default the size of the data
   */
  end?: number;
  signal?: AbortSignal;
}

export interface WriteOptions {
  /**
   * Add to the end of what is there instead of replacing it.
   * @default false
   */
  append?: boolean;
  signal?: AbortSignal;
}

export interface SizeOptions {
  signal?: AbortSignal;
}

/**
 * Bytes that can be read and written the same way whether they are in memory
 * (`BufferData`) or in a file (`FileData`): the original program's abstraction,
 * made asynchronous.
 */
export interface Data {
  /** The bytes in `[start, end)`, in pieces, in order. */
  read(options?: ReadOptions): AsyncIterable<Uint8Array>;
  /** Replaces (or appends to) the bytes with everything `source` yields; resolves to the bytes written. */
  write(source: ByteSource, options?: WriteOptions): Promise<number>;
  /** The number of bytes held now. */
  size(options?: SizeOptions): Promise<number>;
}

/** Checks a read range and clamps its end to `size`. */
export function resolveRange(options: ReadOptions, size: number): { start: number; end: number } {
  const start = options.start ?? 0;
  const end = options.end ?? Math.max(size, start);
  if (!Number.isSafeInteger(start) || start < 0) throw new InvalidArgumentError(`read start must be an integer >= 0, got ${start}`);
  if (!Number.isSafeInteger(end) || end < start) {
    throw new InvalidArgumentError(`read end must be an integer >= start (${start}), got ${end}`);
  }
  return { start: Math.min(start, size), end: Math.min(end, size) };
}

/** Iterates a ByteSource as pieces, refusing anything that is not bytes. */
export async function* piecesOf(source: ByteSource, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  signal?.throwIfAborted();
  if (source instanceof Uint8Array) {
    yield source;
    return;
  }
  for await (const piece of source as AsyncIterable<unknown>) {
    signal?.throwIfAborted();
    yield asBytes(piece);
  }
}

/** The piece itself when it is bytes; a typed error otherwise (a Readable with an encoding yields strings). */
export function asBytes(piece: unknown): Uint8Array {
  if (piece instanceof Uint8Array) return piece;
  throw new InvalidSourceError(
    `a byte source yielded ${typeof piece === 'string' ? 'a string' : typeof piece} instead of bytes — do not set an encoding on the stream`,
  );
}
