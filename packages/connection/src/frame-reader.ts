import { FrameDecoder, WireError, type Message, type TakeBuffer } from '@p2pstream/wire';
import type { Clock } from '@p2pstream/units';
import { Deadline } from './deadline.js';
import { FrameTimeoutError, IdleTimeoutError, ProtocolError, type ConnectionError } from './errors.js';
import type { ResolvedConnectionLimits } from './limits.js';

/**
 * The way in: socket reads become validated messages, and the two read
 * deadlines are kept — nothing received for `idleTimeout`, a started frame not
 * finished within `frameTimeout`. Any failure is reported once through
 * `onFail`, after which the reader ignores further reads.
 */
export class FrameReader {
  readonly #decoder: FrameDecoder;
  readonly #clock: Clock;
  readonly #limits: ResolvedConnectionLimits;
  readonly #onMessage: (message: Message) => void;
  readonly #onFail: (error: ConnectionError) => void;
  readonly #idle: Deadline;
  readonly #frame: Deadline;
  #idleStarted = false;
  #stopped = false;

  constructor(
    clock: Clock,
    limits: ResolvedConnectionLimits,
    onMessage: (message: Message) => void,
    onFail: (error: ConnectionError) => void,
    takeBuffer?: TakeBuffer,
  ) {
    this.#clock = clock;
    this.#limits = limits;
    this.#onMessage = onMessage;
    this.#onFail = onFail;
    this.#decoder = new FrameDecoder({
      maxControlBytes: limits.maxControlBytes,
      maxChunkBytes: limits.maxChunkBytes,
      ...(takeBuffer ? { takeBuffer } : {}),
    });
    this.#idle = new Deadline(clock, () => this.#fail(new IdleTimeoutError(limits.idleTimeout)));
    this.#frame = new Deadline(clock, () => this.#fail(new FrameTimeoutError(limits.frameTimeout, this.#decoder.bufferedBytes)));
  }

  /** Bytes of a frame that has started and not finished (0 between frames). */
  get partialBytes(): number {
    return this.#decoder.bufferedBytes;
  }

  /** Starts the idle deadline (the handshake has a deadline of its own). */
  startIdle(): void {
    this.#idleStarted = true;
    this.#idle.set(this.#clock.now() + this.#limits.idleTimeout);
  }

  /** Decodes one read, handing each message on until the reader is stopped. */
  read(data: Buffer): void {
    if (this.#stopped) return;
    const now = this.#clock.now();
    if (this.#idleStarted) this.#idle.set(now + this.#limits.idleTimeout);
    let completed = false;
    try {
      for (const message of this.#decoder.push(data)) {
        completed = true;
        this.#onMessage(message);
        if (this.#stopped) return;
      }
    } catch (error) {
      if (!(error instanceof WireError)) throw error;
      return this.#fail(new ProtocolError(error.code, error.message, { cause: error }));
    }
    // The slow-frame clock starts when a frame starts: a new one began if another finished in this read.
    if (!this.#decoder.inFrame) this.#frame.clear();
    else if (completed || !this.#frame.active) this.#frame.set(now + this.#limits.frameTimeout);
  }

  /** Ignores every later read and clears both deadlines. */
  stop(): void {
    this.#stopped = true;
    this.#idle.cancel();
    this.#frame.cancel();
  }

  #fail(error: ConnectionError): void {
    if (this.#stopped) return;
    this.stop();
    this.#onFail(error);
  }
}
