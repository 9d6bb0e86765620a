import type { Writable } from 'node:stream';

/**
 * Where play-out writes the stream, chunk by chunk, in order. For a finished
 * stream the client waits for the returned promise before the next write
 * (backpressure); for a live stream it does not wait — the stream goes on in
 * real time — so a live sink must bound its own buffering.
 */
export interface Sink {
  /**
   * Writes `data` after what came before. A sink with a `filePath` calls `inFile` with
   * where `data` starts in that file, once it is there (never if it fails or is dropped).
   * A sink that reads `data` only until it is written calls `done` once it no longer
   * does (written, dropped or failed), so its buffer can be reused; a sink that may keep
   * the bytes (a player's buffer, a view kept for later) never calls it.
   */
  write(data: Uint8Array, inFile?: (position: number) => void, done?: () => void): void | Promise<void>;
  /**
   * The regular file this sink writes every byte it is given to, from the file's start, in
   * order and nothing else (`watch --out FILE`): a finished stream's chunks written there are
   * read back from it to re-share instead of being written to a scratch file as well. Read
   * once, when a finished stream starts; undefined for anything else (stdout, a player).
   */
  readonly filePath?: string | undefined;
}

export interface WritableSinkOptions {
  /**
   * Live only: a chunk that would take the stream's buffered bytes past this is
   * dropped (and counted) instead of queued, so a reader that stopped reading
   * cannot make this process grow.
   * @default 16 MiB
   */
  maxBufferedBytes?: number;
}

/** A `Sink` over a Node writable (stdout, a file stream). */
export class WritableSink implements Sink {
  readonly #stream: Writable;
  readonly #maxBufferedBytes: number;
  /** Live chunks dropped because the reader fell too far behind. */
  dropped = 0;
  /** The wait for the stream's next `drain`, while it is full. */
  #drained: Promise<void> | undefined;
  /** Bytes given to the stream so far: where the next write starts in a file written from its start. */
  #accepted = 0;

  constructor(stream: Writable, options: WritableSinkOptions = {}) {
    this.#stream = stream;
    this.#maxBufferedBytes = options.maxBufferedBytes ?? 16 * 1024 * 1024;
  }

  /**
   * Writes `data`; resolves once the stream has room for more (or at once when it has). Rejects if
   * the stream fails. `inFile` is called with the bytes the stream was given before `data`, once
   * the stream has written it; `done` once the stream let go of `data` (a writable keeps no bytes
   * past a write's callback).
   */
  write(data: Uint8Array, inFile?: (position: number) => void, done?: () => void): Promise<void> {
    const stream = this.#stream;
    if (stream.destroyed || stream.writableEnded) {
      done?.();
      return Promise.reject(new Error('the output is closed'));
    }
    if (stream.writableLength > 0 && stream.writableLength + data.length > this.#maxBufferedBytes) {
      // Only a live stream gets here (a finished one waits for each write): dropping keeps time, queueing would not.
      this.dropped += 1;
      done?.();
      return Promise.resolve();
    }
    const position = this.#accepted;
    this.#accepted += data.length;
    // A write's callback runs once the stream has handed its bytes on (for a file, once they are in it).
    const onWritten =
      inFile || done
        ? (error: Error | null | undefined) => {
            if (!error) inFile?.(position);
            done?.();
          }
        : undefined;
    const written = stream.write(data, onWritten);
    if (written) return Promise.resolve();
    // Every write made while the stream is full waits for the same drain: one listener pair, however many live chunks queue up.
    this.#drained ??= new Promise<void>((resolve, reject) => {
      const onDrain = () => {
        stream.off('error', onError);
        resolve();
      };
      const onError = (error: Error) => {
        stream.off('drain', onDrain);
        reject(error);
      };
      stream.once('drain', onDrain);
      stream.once('error', onError);
    }).finally(() => {
      this.#drained = undefined;
    });
    return this.#drained;
  }
}
