import { open, rm, type FileHandle } from 'node:fs/promises';
import type { PathLike } from 'node:fs';

/** How a `RandomAccessFile` opens its file. */
export type RandomAccessMode =
  /** Read only; the file must exist. */
  | 'read'
  /** Read and write, created empty (an existing file is truncated). */
  | 'create';

/**
 * One open file read and written at positions, for data kept in a file by
 * offset (a stream's chunks) rather than read from start to end. It stays open
 * until `close()`, so a read costs one system call, not an open and a close.
 */
export class RandomAccessFile {
  readonly path: PathLike;
  readonly #handle: FileHandle;
  #closing: Promise<void> | undefined;

  private constructor(path: PathLike, handle: FileHandle) {
    this.path = path;
    this.#handle = handle;
  }

  /** Errors from the file system (ENOENT, EACCES, ...) are thrown as Node gives them. */
  static async open(path: PathLike, mode: RandomAccessMode): Promise<RandomAccessFile> {
    return new RandomAccessFile(path, await open(path, mode === 'read' ? 'r' : 'w+'));
  }

  /** `length` bytes from `position`, in a fresh buffer (the caller may keep it); shorter at the end of the file. */
  async readAt(position: number, length: number): Promise<Buffer> {
    const buffer = Buffer.allocUnsafeSlow(length);
    const filled = await this.readInto(buffer, position, length);
    return filled === length ? buffer : buffer.subarray(0, filled);
  }

  /** Reads `length` bytes from `position` into the start of `buffer`; resolves with how many there were (fewer at the end of the file). */
  async readInto(buffer: Uint8Array, position: number, length: number): Promise<number> {
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await this.#handle.read(buffer, filled, length - filled, position + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled;
  }

  /** Writes all of `bytes` at `position`. */
  async writeAt(bytes: Uint8Array, position: number): Promise<void> {
    for (let offset = 0; offset < bytes.length; ) {
      const { bytesWritten } = await this.#handle.write(bytes, offset, bytes.length - offset, position + offset);
      offset += bytesWritten;
    }
  }

  /** Writes all of `pieces`, one after another, from `position` (one system call when the file takes them all at once). */
  async writevAt(pieces: readonly Uint8Array[], position: number): Promise<void> {
    let rest = [...pieces];
    let at = position;
    while (rest.length > 0) {
      const { bytesWritten } = await this.#handle.writev(rest, at);
      at += bytesWritten;
      let skip = bytesWritten;
      while (rest.length > 0 && skip >= rest[0]!.length) skip -= rest.shift()!.length;
      if (skip > 0) rest[0] = rest[0]!.subarray(skip);
    }
  }

  /** Closes the file, and deletes it when `remove` says so. */
  close(options: { remove?: boolean } = {}): Promise<void> {
    this.#closing ??= (async () => {
      await this.#handle.close().catch(() => undefined);
      if (options.remove) await rm(this.path, { force: true });
    })();
    return this.#closing;
  }
}
