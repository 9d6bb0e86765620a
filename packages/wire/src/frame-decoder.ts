import {
  CHUNK_FRAME_OVERHEAD,
  DEFAULT_MAX_CHUNK_BYTES,
  DEFAULT_MAX_CONTROL_BYTES,
  FRAME_HEADER_BYTES,
} from './constants.js';
import type { TakeBuffer } from './chunk-decode.js';
import { decodeBody } from './codec.js';
import { CopiedPendingFrame, ViewedPendingFrame, type PendingFrame } from './pending-frame.js';
import {
  DecoderClosedError,
  FrameTooLargeError,
  MalformedFrameError,
  TruncatedFrameError,
  WireError,
} from './errors.js';
import type { Message } from './messages.js';
import { validateMessage, type ValidateOptions } from './validate.js';

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
  /**
   * Set when the caller reuses the bytes it gave `push` once `push` returns (a socket
   * reading into one buffer): every byte a message or a frame still incomplete keeps is
   * then copied, a chunk's payload into a buffer from `takeBuffer`, so a pool can hold
   * the chunks and no read buffer is kept alive by a view. Unset: messages may be views
   * into the bytes pushed, which must then stay as they are.
   */
  takeBuffer?: TakeBuffer;
}

/**
 * Turns bytes, in whatever pieces they arrive, into validated messages.
 *
 * A frame whose length prefix is over the limit is refused as soon as the four
 * prefix bytes are in, before its body is buffered. A frame that arrives inside
 * one piece is decoded in place; one spread over pieces is copied once into a
 * buffer of its exact size (with `takeBuffer`: into one buffer the decoder uses
 * for frame after frame; see `PendingFrame`). After any refusal the decoder is closed: every later
 * call throws `DECODER_CLOSED`, because the byte stream can no longer be trusted.
 */
export class FrameDecoder {
  readonly maxControlBytes: number;
  readonly maxChunkBytes: number;
  /** Largest body length accepted from a prefix: the larger of a control body and a full chunk message. */
  readonly maxFrameBytes: number;

  /** Bytes of a frame (or of its prefix) that began in an earlier read. */
  readonly #pending: PendingFrame;
  /** Body length of the frame being assembled from pieces, or -1 while its prefix is incomplete. */
  #frameLength = -1;
  #failure: WireError | undefined;
  #closed = false;
  readonly #validateOptions: ValidateOptions;
  readonly #takeBuffer: TakeBuffer | undefined;

  constructor(options: FrameDecoderOptions = {}) {
    this.maxControlBytes = options.maxControlBytes ?? DEFAULT_MAX_CONTROL_BYTES;
    this.maxChunkBytes = options.maxChunkBytes ?? DEFAULT_MAX_CHUNK_BYTES;
    const chunkFrame = this.maxChunkBytes > 0 ? this.maxChunkBytes + CHUNK_FRAME_OVERHEAD : 0;
    this.maxFrameBytes = Math.max(this.maxControlBytes, chunkFrame);
    this.#validateOptions = { maxChunkBytes: this.maxChunkBytes };
    this.#takeBuffer = options.takeBuffer;
    this.#pending = this.#takeBuffer ? new CopiedPendingFrame(FRAME_HEADER_BYTES + this.maxFrameBytes) : new ViewedPendingFrame();
  }

  /** Bytes received but not yet decoded into a message. */
  get bufferedBytes(): number {
    return this.#pending.length;
  }

  /** Whether part of a frame has arrived and the rest has not (for a slow-frame deadline). */
  get inFrame(): boolean {
    return this.#pending.length > 0;
  }

  /**
   * Feeds bytes and yields every message they complete, in order. Throws a
   * `WireError` at the first bad frame, after yielding the good ones before it.
   */
  *push(bytes: Uint8Array): Generator<Message, void, undefined> {
    this.#assertOpen();
    try {
      let offset = 0;
      if (this.#pending.length > 0) {
        offset = this.#completePending(bytes);
        if (offset < 0) return;
        const body = this.#takePending();
        yield this.#decode(body, 0, body.length, true);
      }
      // Whole frames inside this read are decoded where they lie.
      const end = bytes.length;
      while (end - offset >= FRAME_HEADER_BYTES) {
        const length = this.#checkLength(readUint32(bytes, offset));
        const bodyStart = offset + FRAME_HEADER_BYTES;
        if (bodyStart + length > end) break;
        offset = bodyStart + length;
        yield this.#decode(bytes, bodyStart, offset);
      }
      if (offset < end) {
        this.#pending.add(bytes.subarray(offset, end));
        if (end - offset >= FRAME_HEADER_BYTES) this.#frameLength = this.#checkLength(readUint32(bytes, offset));
      }
    } catch (error) {
      throw this.#fail(error);
    }
  }

  /** Declares the input finished; throws `TRUNCATED` if a frame was cut off. */
  end(): void {
    this.#assertOpen();
    this.#closed = true;
    if (this.#pending.length > 0) {
      const what = this.#frameLength < 0 ? 'a length prefix' : `a ${this.#frameLength}-byte frame`;
      throw this.#fail(new TruncatedFrameError(`input ended ${this.#pending.length} bytes into ${what}`));
    }
  }

  /**
   * Adds bytes of a frame begun in an earlier read. Returns the offset in `bytes`
   * just past that frame, or -1 when it is still incomplete (all of `bytes` kept).
   */
  #completePending(bytes: Uint8Array): number {
    let used = 0;
    if (this.#frameLength < 0) {
      const missing = FRAME_HEADER_BYTES - this.#pending.length;
      if (bytes.length < missing) return this.#keep(bytes);
      this.#keep(bytes.subarray(0, missing));
      used = missing;
      this.#frameLength = this.#checkLength(readUint32(this.#pending.bytes(), 0));
    }
    const missing = FRAME_HEADER_BYTES + this.#frameLength - this.#pending.length;
    if (bytes.length - used < missing) return this.#keep(used === 0 ? bytes : bytes.subarray(used));
    this.#keep(bytes.subarray(used, used + missing));
    return used + missing;
  }

  #keep(bytes: Uint8Array): -1 {
    if (bytes.length > 0) this.#pending.add(bytes);
    return -1;
  }

  /** The pending frame's body, in one piece (valid until the next frame is kept). */
  #takePending(): Uint8Array {
    const frame = this.#pending.bytes();
    this.#pending.clear();
    this.#frameLength = -1;
    return frame.subarray(FRAME_HEADER_BYTES);
  }

  #checkLength(length: number): number {
    if (length === 0) throw new MalformedFrameError('empty frame: a body needs at least one byte');
    if (length > this.maxFrameBytes) {
      throw new FrameTooLargeError(`frame of ${length} bytes announced; the limit is ${this.maxFrameBytes}`);
    }
    return length;
  }

  /** `joined`: the body was copied together from several reads and is the decoder's own (to keep, unless `takeBuffer`: then it is used again). */
  #decode(bytes: Uint8Array, start: number, end: number, joined = false): Message {
    const message = validateMessage(decodeBody(bytes, start, end, joined, this.#takeBuffer), this.#validateOptions);
    const length = end - start;
    if (message.t !== 'chunk' && length > this.maxControlBytes) {
      throw new FrameTooLargeError(
        `a ${message.t} frame of ${length} bytes is over the ${this.maxControlBytes}-byte control limit`,
      );
    }
    return message;
  }

  #fail(error: unknown): WireError {
    const failure =
      error instanceof WireError ? error : new MalformedFrameError('frame could not be decoded', { cause: error });
    this.#failure = failure;
    this.#closed = true;
    this.#pending.clear();
    return failure;
  }

  #assertOpen(): void {
    if (this.#closed) throw new DecoderClosedError(this.#failure);
  }
}

function readUint32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) >>> 0) + (bytes[offset + 1]! << 16) + (bytes[offset + 2]! << 8) + bytes[offset + 3]!;
}
