import {
  CHUNK_FRAME_OVERHEAD,
  DEFAULT_MAX_CHUNK_BYTES,
  DEFAULT_MAX_CONTROL_BYTES,
  FRAME_HEADER_BYTES,
} from './constants.js';
import { decodeBody } from './codec.js';
import {
  DecoderClosedError,
  FrameTooLargeError,
  MalformedFrameError,
  TruncatedFrameError,
  WireError,
} from './errors.js';
import type { Message } from './messages.js';
import { validateMessage } from './validate.js';

export interface FrameDecoderOptions {
  /**
   * Largest body of any message but `chunk`, in bytes.
   * @default 1 MiB
   */
  maxControlBytes?: number;
  /**
   * Largest chunk payload accepted, in bytes; 0 refuses chunk messages outright
   * (central, which never receives chunks, uses 0).
   * @default 1 MiB
   */
  maxChunkBytes?: number;
}

/**
 * Turns bytes, in whatever pieces they arrive, into validated messages.
 *
 * A frame whose length prefix is over the limit is refused as soon as the four
 * prefix bytes are in, before its body is buffered. A frame that arrives inside
 * one piece is decoded in place; one spread over pieces is copied once into a
 * buffer of its exact size. After any refusal the decoder is closed: every later
 * call throws `DECODER_CLOSED`, because the byte stream can no longer be trusted.
 */
export class FrameDecoder {
  readonly maxControlBytes: number;
  readonly maxChunkBytes: number;
  /** Largest body length accepted from a prefix: the larger of a control body and a full chunk message. */
  readonly maxFrameBytes: number;

  #pieces: Uint8Array[] = [];
  #buffered = 0;
  /** Body length of the frame being received, or -1 while its prefix is incomplete. */
  #frameLength = -1;
  #failure: WireError | undefined;
  #closed = false;

  constructor(options: FrameDecoderOptions = {}) {
    this.maxControlBytes = options.maxControlBytes ?? DEFAULT_MAX_CONTROL_BYTES;
    this.maxChunkBytes = options.maxChunkBytes ?? DEFAULT_MAX_CHUNK_BYTES;
    const chunkFrame = this.maxChunkBytes > 0 ? this.maxChunkBytes + CHUNK_FRAME_OVERHEAD : 0;
    this.maxFrameBytes = Math.max(this.maxControlBytes, chunkFrame);
  }

  /** Bytes received but not yet decoded into a message. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /** Whether part of a frame has arrived and the rest has not (for a slow-frame deadline). */
  get inFrame(): boolean {
    return this.#buffered > 0;
  }

  /**
   * Feeds bytes and yields every message they complete, in order. Throws a
   * `WireError` at the first bad frame, after yielding the good ones before it.
   */
  *push(bytes: Uint8Array): Generator<Message, void, undefined> {
    this.#assertOpen();
    if (bytes.length === 0) return;
    this.#pieces.push(bytes);
    this.#buffered += bytes.length;
    try {
      for (;;) {
        if (this.#frameLength < 0) {
          if (this.#buffered < FRAME_HEADER_BYTES) return;
          this.#frameLength = this.#readPrefix();
        }
        if (this.#buffered < this.#frameLength) return;
        const body = this.#take(this.#frameLength);
        this.#frameLength = -1;
        yield this.#decode(body);
      }
    } catch (error) {
      throw this.#fail(error);
    }
  }

  /** Declares the input finished; throws `TRUNCATED` if a frame was cut off. */
  end(): void {
    this.#assertOpen();
    this.#closed = true;
    if (this.#buffered > 0) {
      const what = this.#frameLength < 0 ? 'a length prefix' : `a ${this.#frameLength}-byte frame`;
      throw this.#fail(new TruncatedFrameError(`input ended ${this.#buffered} bytes into ${what}`));
    }
  }

  #decode(body: Uint8Array): Message {
    const message = validateMessage(decodeBody(body), { maxChunkBytes: this.maxChunkBytes });
    if (message.t !== 'chunk' && body.length > this.maxControlBytes) {
      throw new FrameTooLargeError(
        `a ${message.t} frame of ${body.length} bytes is over the ${this.maxControlBytes}-byte control limit`,
      );
    }
    return message;
  }

  #readPrefix(): number {
    const prefix = this.#take(FRAME_HEADER_BYTES);
    const length = ((prefix[0]! << 24) >>> 0) + (prefix[1]! << 16) + (prefix[2]! << 8) + prefix[3]!;
    if (length === 0) throw new MalformedFrameError('empty frame: a body needs at least one byte');
    if (length > this.maxFrameBytes) {
      throw new FrameTooLargeError(`frame of ${length} bytes announced; the limit is ${this.maxFrameBytes}`);
    }
    return length;
  }

  /** Removes `count` buffered bytes: a view when they sit in one piece, else one copy. */
  #take(count: number): Uint8Array {
    this.#buffered -= count;
    const first = this.#pieces[0]!;
    if (first.length >= count) {
      if (first.length === count) this.#pieces.shift();
      else this.#pieces[0] = first.subarray(count);
      return first.subarray(0, count);
    }
    const out = Buffer.allocUnsafe(count);
    let filled = 0;
    while (filled < count) {
      const piece = this.#pieces[0]!;
      const used = Math.min(piece.length, count - filled);
      out.set(used === piece.length ? piece : piece.subarray(0, used), filled);
      filled += used;
      if (used === piece.length) this.#pieces.shift();
      else this.#pieces[0] = piece.subarray(used);
    }
    return out;
  }

  #fail(error: unknown): WireError {
    const failure =
      error instanceof WireError ? error : new MalformedFrameError('frame could not be decoded', { cause: error });
    this.#failure = failure;
    this.#closed = true;
    this.#pieces = [];
    this.#buffered = 0;
    return failure;
  }

  #assertOpen(): void {
    if (this.#closed) throw new DecoderClosedError(this.#failure);
  }
}
