import { open, stat, type FileHandle } from 'node:fs/promises';
import type { PathLike } from 'node:fs';
import { DEFAULT_READ_BYTES } from './constants.js';
import { piecesOf, resolveRange, type ByteSource, type Data, type ReadOptions, type SizeOptions, type WriteOptions } from './data.js';
import { InvalidOptionError } from './errors.js';
import { RandomAccessFile, type RandomAccessMode } from './random-access-file.js';

export interface FileReadOptions extends ReadOptions {
  /**
   * Read every piece into the same buffer: a piece is overwritten by the next, so take it
   * only for a consumer that copies what it keeps before asking for more (a `Chunker`
   * does). A long file then costs no garbage to collect.
   * @default false (each piece a fresh buffer the consumer may keep)
   */
  reuseBuffer?: boolean;
}

export interface FileDataOptions {
  /**
   * Bytes asked of the file system per read, and so the most a read piece holds.
   * @default 64 KiB
   */
  readBytes?: number;
}

/**
 * Data in a file. It opens exactly the path its caller gives and nothing else;
 * a name that came from the network must never reach this constructor.
 * Errors from the file system (ENOENT, EACCES, ...) are thrown as Node gives them.
 */
export class FileData implements Data {
  readonly path: PathLike;
  readonly readBytes: number;

  constructor(path: PathLike, options: FileDataOptions = {}) {
    this.path = path;
    this.readBytes = options.readBytes ?? DEFAULT_READ_BYTES;
    if (!Number.isSafeInteger(this.readBytes) || this.readBytes < 1) {
      throw new InvalidOptionError(`readBytes must be an integer >= 1, got ${this.readBytes}`);
    }
  }

  async *read(options: FileReadOptions = {}): AsyncGenerator<Uint8Array> {
    options.signal?.throwIfAborted();
    const file = await open(this.path, 'r');
    try {
      const { start, end } = resolveRange(options, (await file.stat()).size);
      const reused = options.reuseBuffer ? Buffer.allocUnsafeSlow(Math.min(this.readBytes, end - start)) : undefined;
      let position = start;
      while (position < end) {
        options.signal?.throwIfAborted();
        // A fresh buffer per piece unless asked otherwise: the consumer may keep it.
        const length = Math.min(this.readBytes, end - position);
        const buffer = reused ? reused.subarray(0, length) : Buffer.allocUnsafeSlow(length);
        const { bytesRead } = await file.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) return; // the file shrank while we read it
        position += bytesRead;
        yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
      }
    } finally {
      await file.close();
    }
  }

  async write(source: ByteSource, options: WriteOptions = {}): Promise<number> {
    options.signal?.throwIfAborted();
    const file = await open(this.path, options.append ? 'a' : 'w');
    try {
      let written = 0;
      for await (const piece of piecesOf(source, options.signal)) {
        written += await writeAll(file, piece);
      }
      return written;
    } finally {
      await file.close();
    }
  }

  /** The file kept open for reads and writes at positions (a chunk store's), until its `close()`. */
  open(mode: RandomAccessMode): Promise<RandomAccessFile> {
    return RandomAccessFile.open(this.path, mode);
  }

  async size(options: SizeOptions = {}): Promise<number> {
    options.signal?.throwIfAborted();
    return (await stat(this.path)).size;
  }
}

async function writeAll(file: FileHandle, piece: Uint8Array): Promise<number> {
  let offset = 0;
  while (offset < piece.length) {
    const { bytesWritten } = await file.write(piece, offset, piece.length - offset);
    offset += bytesWritten;
  }
  return offset;
}
