import type { Writable } from 'node:stream';

/**
 * Where play-out writes the stream, chunk by chunk, in order. For a finished
 * stream the client waits for the returned promise before the next write
 * (backpressure); for a live stream it does not wait — the stream goes on in
 * real time — so a live sink must bound its own buffering.
 */
export interface Sink {
  write(data: Uint8Array): void | Promise<void>;
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

  constructor(stream: Writable, options: WritableSinkOptions = {}) {
    this.#stream = stream;
    this.#maxBufferedBytes = options.maxBufferedBytes ?? 16 * 1024 * 1024;
  }

  /** Writes `data`; resolves once the stream has room for more (or at once when it has). Rejects if the stream fails. */
  write(data: Uint8Array): Promise<void> {
    const stream = this.#stream;
    if (stream.destroyed || stream.writableEnded) return Promise.reject(new Error('the output is closed'));
    if (stream.writableLength > 0 && stream.writableLength + data.length > this.#maxBufferedBytes) {
      // Only a live stream gets here (a finished one waits for each write): dropping keeps time, queueing would not.
      this.dropped += 1;
      return Promise.resolve();
    }
    if (stream.write(data)) return Promise.resolve();
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
