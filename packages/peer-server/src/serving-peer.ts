import type { Connection, UploadLimiter } from '@p2pstream/connection';
import { WireErrorCode, type RejectReason, type RequestMessage } from '@p2pstream/wire';
import type { ServedStream } from './served-stream.js';

/** What a peer's answer loop shares with the server. */
export interface ServingHooks {
  readonly uploadLimiter: UploadLimiter | undefined;
  /** Chunk `seq`'s payload went out. */
  sent(peer: ServingPeer, bytes: number, seq: number): void;
  /** A queued answer left the queue (sent, refused or dropped): `bytes` are no longer waiting. */
  dequeued(bytes: number): void;
  /** A queued answer was refused after all (its chunk left the window meanwhile). */
  rejected(reason: RejectReason): void;
}

interface Queued {
  readonly request: RequestMessage;
  /** Bytes counted against the upload limit and the queue delay. */
  readonly bytes: number;
}

/**
 * One connected peer as the server sees it: the stream it joined, and its chunk
 * requests answered one at a time, in order. An answer waits here — behind the
 * upload limit and until the connection has room — so that `cancel` can still
 * drop it, and a slow peer holds back only its own answers.
 */
export class ServingPeer {
  readonly connection: Connection;
  /** The peer's address as seen on the socket, `host:port`. */
  readonly id: string;
  stream: ServedStream | undefined;
  bytesUploaded = 0;
  chunksServed = 0;
  readonly #hooks: ServingHooks;
  readonly #queue: Queued[] = [];
  #current: { seq: number; abort: AbortController } | undefined;
  #running = false;
  #closed = false;
  /** Bytes of admitted answers not yet handed to the connection. */
  #pendingBytes = 0;
  /** The connection's `bytesFlushed` and `bufferedBytes`, at the last `drainSince()`. */
  #lastFlushed: number;
  #lastBuffered = 0;

  constructor(connection: Connection, hooks: ServingHooks) {
    this.connection = connection;
    this.id = `${connection.remoteAddress}:${connection.remotePort}`;
    this.#hooks = hooks;
    this.#lastFlushed = connection.bytesFlushed;
  }

  /** Answers waiting, including one being sent. */
  get queued(): number {
    return this.#queue.length + (this.#current ? 1 : 0);
  }

  /**
   * Since the last call: the bytes that left for the network, and the bytes waiting
   * to go out now (answers here and the connection's buffer). A peer whose connection
   * held bytes and took none of them is not reading: what waits for it does not
   * compete for the uplink, so it counts as 0. Answers that wait here for the upload
   * limit, shared by every peer, are not that: between two samples most peers get
   * none of it.
   */
  drainSince(): { flushed: number; waiting: number } {
    const flushedNow = this.connection.bytesFlushed;
    const flushed = flushedNow - this.#lastFlushed;
    const buffered = this.connection.bufferedBytes;
    const stuck = this.#lastBuffered > 0 && flushed === 0;
    this.#lastFlushed = flushedNow;
    this.#lastBuffered = buffered;
    return { flushed, waiting: stuck ? 0 : this.#pendingBytes + buffered };
  }

  enqueue(request: RequestMessage, bytes: number): void {
    this.#pendingBytes += bytes;
    this.#queue.push({ request, bytes });
    if (!this.#running) void this.#run();
  }

  /** The peer no longer wants `seq`: a queued answer is dropped (the request is closed with CANCELLED). */
  cancel(seq: number): void {
    for (let i = this.#queue.length - 1; i >= 0; i--) {
      const item = this.#queue[i]!;
      if (item.request.seq !== seq) continue;
      this.#queue.splice(i, 1);
      this.#pendingBytes -= item.bytes;
      this.#hooks.dequeued(item.bytes);
      // An answer frees the request's id at the peer's side of the connection; it drops it unread.
      this.connection.replyError(item.request, WireErrorCode.cancelled, `chunk ${seq} cancelled by the requester`);
    }
    if (this.#current?.seq === seq) this.#current.abort.abort();
  }

  /** The connection closed: nothing more is sent. */
  close(): void {
    this.#closed = true;
    for (const item of this.#queue.splice(0)) this.#hooks.dequeued(item.bytes);
    this.#pendingBytes = 0;
    this.#current?.abort.abort();
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      for (let item = this.#queue.shift(); item !== undefined && !this.#closed; item = this.#queue.shift()) {
        const abort = new AbortController();
        this.#current = { seq: item.request.seq, abort };
        let room = true;
        try {
          room = await this.#answer(item, abort.signal);
        } finally {
          this.#current = undefined;
          if (!this.#closed) this.#pendingBytes -= item.bytes;
          this.#hooks.dequeued(item.bytes);
        }
        // Wait for room before the next answer, so answers queue here (cancellable) and not in the socket.
        if (!room) await this.connection.drained().catch(() => undefined);
      }
    } finally {
      this.#running = false;
    }
  }

  /** Sends the answer (or its refusal); false when the connection has no room for more until it drains. */
  async #answer({ request, bytes }: Queued, signal: AbortSignal): Promise<boolean> {
    const { connection } = this;
    try {
      await this.#hooks.uploadLimiter?.take(bytes, { signal });
    } catch {
      if (!this.#closed) connection.replyError(request, WireErrorCode.cancelled, `chunk ${request.seq} cancelled by the requester`);
      return true;
    }
    if (this.#closed) return true;
    const window = this.stream?.window;
    // A live chunk is in memory: answered in this turn. A chunk of a stream on disk is read first.
    let chunk = window?.get(request.seq);
    if (!chunk && window?.has(request.seq)) chunk = await window.read(request.seq, { signal }).catch(() => undefined);
    if (this.#closed || signal.aborted) {
      if (chunk) window?.release?.(chunk);
      if (!this.#closed) connection.replyError(request, WireErrorCode.cancelled, `chunk ${request.seq} cancelled by the requester`);
      return true;
    }
    if (!window || !chunk) {
      const reason: RejectReason = !window
        ? WireErrorCode.unknownStream
        : request.seq < window.base
          ? WireErrorCode.outsideWindow
          : WireErrorCode.notHeld;
      this.#hooks.rejected(reason);
      connection.reply(request, { t: 'reject', seq: request.seq, reason });
      return true;
    }
    // Once the socket has the bytes, a store may read the next chunk into the same buffer.
    const sent = window.release && (() => window.release!(chunk));
    const room = connection.reply(request, { t: 'chunk', seq: chunk.seq, ts: chunk.ts, sig: chunk.sig, data: chunk.data }, { sent });
    if (connection.state !== 'open') return true;
    this.bytesUploaded += chunk.data.length;
    this.chunksServed += 1;
    this.#hooks.sent(this, chunk.data.length, chunk.seq);
    return room;
  }
}
