import { Readable } from 'node:stream';
import { DEFAULT_READABLE_HIGH_WATER_MARK, DEFAULT_READABLE_MAX_BUFFERED_BYTES } from './constants.js';
import { InvalidOptionError } from './errors.js';
import type { Sink } from './sink.js';

export interface PeerReadableOptions {
  /**
   * Bytes the readable holds before it stops asking play-out for more (a finished
   * stream's play-out then waits).
   * @default 1 MiB
   */
  highWaterMark?: number;
  /**
   * Live only: a chunk that would take the bytes waiting to be read past this is
   * dropped (and counted in `dropped`) instead of queued, so a reader that stopped
   * reading cannot make this process grow. At least `highWaterMark`.
   * @default 16 MiB
   */
  maxBufferedBytes?: number;
}

/**
 * The played bytes of a `PeerClient` as a Node `Readable` (bytes, not objects),
 * in order. It is the client's play-out sink: a finished stream's play-out
 * waits for the reader (nothing is skipped however slowly it reads); a live
 * stream goes on in real time, and what a reader more than `maxBufferedBytes`
 * behind cannot take is dropped a whole chunk at a time and counted.
 *
 * It ends when the stream has been played to its end or the client is closed,
 * and is destroyed with the error when `start()` fails or its signal aborts.
 * Each chunk read is a copy, the reader's to keep or change.
 */
export class PeerReadable extends Readable implements Sink {
  /** Live chunks dropped because the reader fell more than `maxBufferedBytes` behind. */
  dropped = 0;
  /** Their bytes. */
  droppedBytes = 0;
  readonly #maxBufferedBytes: number;
  readonly #isLive: () => boolean;
  /** Play-out waiting for the reader to want more (finished streams). */
  #wanted: { resolve: () => void; reject: (error: Error) => void } | undefined;
  #finished = false;

  /** Made by `PeerClient.readable()`; `isLive` says whether the stream being played is live. */
  constructor(options: PeerReadableOptions, isLive: () => boolean) {
    const highWaterMark = options.highWaterMark ?? DEFAULT_READABLE_HIGH_WATER_MARK;
    const maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_READABLE_MAX_BUFFERED_BYTES;
    if (!Number.isSafeInteger(highWaterMark) || highWaterMark < 1) {
      throw new InvalidOptionError(`highWaterMark must be a number of bytes >= 1, not ${highWaterMark}`);
    }
    if (!Number.isSafeInteger(maxBufferedBytes) || maxBufferedBytes < highWaterMark) {
      throw new InvalidOptionError(`maxBufferedBytes must be a number of bytes >= highWaterMark (${highWaterMark}), not ${maxBufferedBytes}`);
    }
    super({ highWaterMark });
    this.#maxBufferedBytes = maxBufferedBytes;
    this.#isLive = isLive;
  }

  /** Play-out's write: resolves once the reader wants more (at once when live); rejects once the readable is closed. */
  write(data: Uint8Array): Promise<void> {
    if (this.destroyed || this.#finished) return Promise.reject(new Error('the readable is closed'));
    if (this.#isLive()) {
      if (this.readableLength > 0 && this.readableLength + data.length > this.#maxBufferedBytes) {
        // Dropping keeps the live stream in time; queueing would grow without bound.
        this.dropped += 1;
        this.droppedBytes += data.length;
      } else this.push(Buffer.from(data));
      return Promise.resolve();
    }
    // Finished: play-out awaits this before its next write, so at most one write waits.
    if (this.push(Buffer.from(data))) return Promise.resolve();
    return new Promise((resolve, reject) => (this.#wanted = { resolve, reject }));
  }

  /** No more bytes will come: the stream was played to its end, or the client closed. */
  finish(): void {
    if (this.destroyed || this.#finished) return;
    this.#finished = true;
    this.#release(new Error('the readable is closed'));
    this.push(null);
  }

  override _read(): void {
    const wanted = this.#wanted;
    this.#wanted = undefined;
    wanted?.resolve();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#release(error ?? new Error('the readable was destroyed'));
    callback(error);
  }

  /** Lets a waiting play-out go on: nothing more will be read. */
  #release(error: Error): void {
    const wanted = this.#wanted;
    this.#wanted = undefined;
    wanted?.reject(error);
  }
}
