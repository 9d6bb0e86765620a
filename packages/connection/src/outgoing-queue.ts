import { QUEUED_FRAME_OVERHEAD_BYTES } from './constants.js';
import { nextTick } from './platform.js';
import type { Transport } from './transport.js';
import type { UploadLimiter } from './upload-limiter.js';

interface Frame {
  readonly parts: readonly Buffer[];
  readonly bytes: number;
  readonly sent: (() => void) | undefined;
}

/** Bytes written within one tick that are sent at once rather than at the end of the tick. */
const FLUSH_BYTES = 64 * 1024;

/** Frames held back this far into the array are dropped from it in one go, not one shift at a time. */
const COMPACT_AFTER = 1024;

/**
 * The way out of one connection. Without an upload limiter a frame goes straight
 * to the transport (whose buffer is the send buffer). With one, frames wait here
 * until the limiter grants their bytes and the transport has room, so tokens are
 * spent on bytes about to leave, not on bytes stuck behind a slow reader.
 *
 * Control frames (everything but chunks: `have`, `map`, requests, refusals) go
 * out at once, ahead of queued chunks and outside the limiter: a viewer hears
 * of a fresh chunk when it is cut, not after the seconds of chunk data a
 * capped uplink has queued for it, and they are tens of bytes a chunk. Chunks
 * keep their order among themselves, and so do control frames.
 *
 * Frames written in the same tick, and a chunk's two parts (header and
 * payload), go out corked, as one writev: the payload is never copied.
 */
export class OutgoingQueue {
  readonly #transport: Transport;
  readonly #limiter: UploadLimiter | undefined;
  readonly #onProgress: () => void;
  #frames: Frame[] = [];
  #head = 0;
  #queuedBytes = 0;
  /** Sizes of the frames handed to the transport that may still be in its buffer, oldest first. */
  #inTransport: number[] = [];
  #inTransportHead = 0;
  #inTransportBytes = 0;
  /** Every byte ever handed to the transport. */
  #writtenBytes = 0;
  #full = false;
  #tokenWait: AbortController | undefined;
  #endWhenEmpty = false;
  #stopped = false;
  #corked = false;

  constructor(transport: Transport, limiter: UploadLimiter | undefined, onProgress: () => void) {
    this.#transport = transport;
    this.#limiter = limiter;
    this.#onProgress = onProgress;
    transport.on('drain', () => {
      this.#full = false;
      this.#pump();
      this.#onProgress();
    });
  }

  /** Bytes accepted but not yet handed to the kernel: held here plus the transport's own buffer. */
  get bufferedBytes(): number {
    return this.#queuedBytes + this.#transport.writableLength;
  }

  /**
   * Bytes that have left for the kernel since the connection opened: handed to the
   * transport and no longer in its buffer. It only grows; its rise over time is how
   * fast this connection's bytes actually drain.
   */
  get flushedBytes(): number {
    return this.#writtenBytes - this.#transport.writableLength;
  }

  /** Frames waiting here or (as far as can be told) in the transport's buffer. */
  get queuedFrames(): number {
    return this.#frames.length - this.#head + this.#framesLeftInTransport();
  }

  /** What waiting to go out costs: its bytes plus a fixed overhead per frame. */
  get bufferedCost(): number {
    return this.bufferedBytes + this.queuedFrames * QUEUED_FRAME_OVERHEAD_BYTES;
  }

  /**
   * Writes the frame now, or (a chunk) queues it behind earlier chunks and the limiter.
   * `sent` is called once the transport no longer needs the parts, if it can tell (see
   * `Transport.write`); never for a frame dropped because the connection closed.
   */
  push(parts: readonly Buffer[], bytes: number, control: boolean, sent?: () => void): void {
    if (this.#stopped) return;
    if (control) return this.#write(parts, sent);
    if (this.#frames.length === this.#head) {
      if (!this.#limiter) return this.#write(parts, sent);
      if (!this.#full && this.#limiter.tryTake(bytes)) return this.#write(parts, sent);
    }
    this.#frames.push({ parts, bytes, sent });
    this.#queuedBytes += bytes;
    this.#pump();
  }

  /** Ends the transport once every queued frame has gone out. */
  endWhenFlushed(): void {
    this.#endWhenEmpty = true;
    this.#pump();
  }

  /** Drops every queued frame and stops waiting for the limiter (the connection is closing). */
  stop(): void {
    this.#stopped = true;
    this.#frames = [];
    this.#head = 0;
    this.#queuedBytes = 0;
    this.#tokenWait?.abort();
    this.#tokenWait = undefined;
  }

  #pump(): void {
    while (this.#frames.length > this.#head && !this.#full && !this.#tokenWait) {
      const frame = this.#frames[this.#head]!;
      if (!this.#limiter!.tryTake(frame.bytes)) {
        this.#waitForTokens(frame.bytes);
        return;
      }
      this.#writeFrame(this.#shift());
    }
    if (this.#endWhenEmpty && this.#frames.length === this.#head && !this.#transport.writableEnded && !this.#transport.destroyed) {
      this.#transport.end();
    }
  }

  #waitForTokens(bytes: number): void {
    const wait = new AbortController();
    this.#tokenWait = wait;
    this.#limiter!.take(bytes, { signal: wait.signal }).then(
      () => {
        this.#tokenWait = undefined;
        if (this.#stopped) return;
        // The tokens were taken for the frame at the head, which is still there: only stop() removes frames.
        this.#writeFrame(this.#shift());
        this.#pump();
        this.#onProgress();
      },
      () => {
        // Aborted by stop(): the connection is closing and its frames are gone.
      },
    );
  }

  #shift(): Frame {
    const frame = this.#frames[this.#head]!;
    this.#head += 1;
    this.#queuedBytes -= frame.bytes;
    if (this.#head === this.#frames.length) {
      this.#frames = [];
      this.#head = 0;
    } else if (this.#head >= COMPACT_AFTER && this.#head * 2 >= this.#frames.length) {
      this.#frames = this.#frames.slice(this.#head);
      this.#head = 0;
    }
    return frame;
  }

  #writeFrame(frame: Frame): void {
    this.#write(frame.parts, frame.sent);
  }

  #write(parts: readonly Buffer[], sent: (() => void) | undefined): void {
    const transport = this.#transport;
    if (!transport.writable) return;
    this.#framesLeftInTransport();
    this.#inTransport.push(parts.length === 1 ? parts[0]!.length : parts[0]!.length + parts[1]!.length);
    this.#inTransportBytes += this.#inTransport[this.#inTransport.length - 1]!;
    this.#writtenBytes += this.#inTransport[this.#inTransport.length - 1]!;
    if (!this.#corked) {
      // Everything written in this tick leaves in one writev: a burst of small
      // messages (requests, `have`s) costs one system call instead of one each.
      this.#corked = true;
      transport.cork();
      nextTick(this.#uncork);
    }
    let room = true;
    const last = parts.length - 1;
    for (let i = 0; i < last; i++) room = transport.write(parts[i]!);
    // The callbacks of a transport's writes come in order, so the last part's covers the frame.
    room = transport.write(parts[last]!, sent && ((error) => error || sent()));
    // Bulk (a chunk, or many small frames) goes at once: holding it for the tick would only delay it.
    if (transport.writableLength >= FLUSH_BYTES) this.#uncork();
    if (!room) this.#full = true;
  }

  /**
   * Frames still (partly) in the transport's buffer: the transport says how many
   * bytes it holds, and those are the newest ones written, so every older frame
   * whose bytes are not needed to make up that count has left.
   */
  #framesLeftInTransport(): number {
    const held = this.#transport.writableLength;
    const sizes = this.#inTransport;
    while (this.#inTransportHead < sizes.length && this.#inTransportBytes - sizes[this.#inTransportHead]! >= held) {
      this.#inTransportBytes -= sizes[this.#inTransportHead]!;
      this.#inTransportHead += 1;
    }
    if (this.#inTransportHead === sizes.length) {
      this.#inTransport = [];
      this.#inTransportHead = 0;
      this.#inTransportBytes = 0;
    } else if (this.#inTransportHead >= COMPACT_AFTER && this.#inTransportHead * 2 >= sizes.length) {
      this.#inTransport = sizes.slice(this.#inTransportHead);
      this.#inTransportHead = 0;
    }
    return this.#inTransport.length - this.#inTransportHead;
  }

  readonly #uncork = (): void => {
    if (!this.#corked) return;
    this.#corked = false;
    this.#transport.uncork();
  };
}
