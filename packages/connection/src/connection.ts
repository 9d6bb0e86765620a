import { EventEmitter } from 'node:events';
import {
  assertSupportedVersion,
  encodeFrame,
  encodeFrameParts,
  hello,
  WireError,
  WireErrorCode,
  type ErrorMessage,
  type Message,
  type Role,
} from '@p2pstream/wire';
import { normalizeAddress } from './address.js';
import { monotonicClock, type Clock } from '@p2pstream/units';
import { CloseCode, QUEUED_FRAME_OVERHEAD_BYTES } from './constants.js';
import { assertErrorCode, clip, errorMessage } from './error-frames.js';
import {
  ConnectionClosedError,
  ConnectionError,
  HandshakeTimeoutError,
  ProtocolError,
  RemoteError,
  SendBufferFullError,
  SendStalledError,
} from './errors.js';
import { resolveConnectionLimits, type ResolvedConnectionLimits } from './limits.js';
import {
  isReplyTo,
  isRequestType,
  type AnyRequest,
  type CloseReason,
  type CloseRequest,
  type HandledType,
  type Handler,
  type ReplyInput,
  type ReplyOf,
  type RequestInput,
} from './message-types.js';
import type { ConnectionEvents, ConnectionOptions, ConnectionState, RequestOptions, SendOptions } from './connection-types.js';
import { FrameReader } from './frame-reader.js';
import { OutgoingQueue } from './outgoing-queue.js';
import { PeerRequests } from './peer-requests.js';
import { warn } from './platform.js';
import { RequestTable } from './request-table.js';
import type { Transport } from './transport.js';
import { Waiters } from './waiters.js';

/** How a closing connection treats what is still queued to go out. */
type Farewell = 'flush' | 'tell' | 'drop';

// Handlers are stored by type name; each was registered for exactly that type.
type AnyHandler = (message: Message, connection: Connection) => unknown;

/**
 * One p2pstream connection over a transport (a TCP socket, an in-memory pair's
 * end, …): framing, the `hello` handshake, request/reply, per-type handlers,
 * backpressure and the limits that keep a bad or slow peer from costing more
 * than its own connection.
 *
 * Most code gets connections from `dial()`, `listen()` or `connect()`; the
 * constructor wraps a transport that is already connected and starts the
 * handshake at once.
 */
export class Connection extends EventEmitter<ConnectionEvents> {
  /** The role this side declared. */
  readonly role: Role;
  /** The other side's address as seen on the transport (IPv4-mapped IPv6 written as IPv4). */
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** This side's address as seen on the transport (where the other side reached it), when the transport knows it. */
  readonly localAddress: string | undefined;
  readonly limits: ResolvedConnectionLimits;
  /** Resolves when the handshake completes; rejects with the error that ended the connection before. */
  readonly opened: Promise<void>;
  /** Resolves with the close reason once the transport has closed; never rejects. */
  readonly closed: Promise<CloseReason>;

  readonly #transport: Transport;
  readonly #clock: Clock;
  readonly #reader: FrameReader;
  readonly #outgoing: OutgoingQueue;
  readonly #requests: RequestTable;
  readonly #peerRequests: PeerRequests;
  readonly #handlers = new Map<string, AnyHandler>();
  readonly #drainWaiters = new Waiters();
  readonly #highWater: number;
  #readsPaused = false;
  #handshakeTimer: unknown;
  #lingerTimer: unknown;
  #state: ConnectionState = 'handshaking';
  #remoteRole: Role | undefined;
  #reason: CloseReason | undefined;
  #resolveOpened!: () => void;
  #rejectOpened!: (error: Error) => void;
  #resolveClosed!: (reason: CloseReason) => void;

  constructor(transport: Transport, options: ConnectionOptions) {
    super();
    this.role = options.role;
    this.limits = resolveConnectionLimits(options.limits);
    this.remoteAddress = normalizeAddress(transport.remoteAddress);
    this.remotePort = transport.remotePort ?? 0;
    this.localAddress = transport.localAddress === undefined ? undefined : normalizeAddress(transport.localAddress);
    this.#transport = transport;
    this.#clock = options.clock ?? monotonicClock;
    this.#reader = new FrameReader(
      this.#clock,
      this.limits,
      (message) => this.#dispatch(message),
      (error) => this.#fail(error),
      options.takeBuffer,
    );
    this.#requests = new RequestTable(this.#clock);
    this.#peerRequests = new PeerRequests(this.limits.maxPeerRequests);
    this.#outgoing = new OutgoingQueue(transport, options.uploadLimiter, () => this.#onProgress());
    // Below the transport's own mark no 'drain' would ever report room again.
    this.#highWater = Math.max(this.limits.sendHighWaterBytes, transport.writableHighWaterMark);
    this.opened = new Promise<void>((resolve, reject) => {
      this.#resolveOpened = resolve;
      this.#rejectOpened = reject;
    });
    // Whoever dialed awaits `opened`; an accepted connection that fails its handshake must not be an unhandled rejection.
    this.opened.catch(() => undefined);
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    for (const [type, handler] of Object.entries(options.handlers ?? {})) {
      if (handler) this.#handlers.set(type, handler as AnyHandler);
    }

    transport.on('data', (data: Buffer) => this.#reader.read(data));
    transport.on('end', () => this.#onEnd());
    transport.on('error', (error) => this.#onTransportError(error));
    transport.on('close', () => this.#onClose());
    this.#handshakeTimer = this.#clock.setTimeout(() => {
      this.#fail(
        new HandshakeTimeoutError(
          `no hello from ${this.remoteAddress}:${this.remotePort} within ${this.limits.handshakeTimeout} ms — is it a p2pstream program?`,
        ),
      );
    }, this.limits.handshakeTimeout);
    this.send(hello(this.role));
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** The role the other side declared; undefined until the handshake completes. */
  get remoteRole(): Role | undefined {
    return this.#remoteRole;
  }

  /** The close reason, once closing has begun. */
  get closeReason(): CloseReason | undefined {
    return this.#reason;
  }

  /** Bytes accepted by `send()` that have not yet left for the kernel. */
  get bufferedBytes(): number {
    return this.#outgoing.bufferedBytes;
  }

  /**
   * Bytes sent that have left this process for the kernel (written and no longer
   * buffered), since the connection opened. Sampled over time, it is the rate at
   * which this connection drains — on a full uplink, that uplink's share.
   */
  get bytesFlushed(): number {
    return this.#outgoing.flushedBytes;
  }

  /** Frames accepted by `send()` that have not yet left (as far as can be told), however small. */
  get queuedFrames(): number {
    return this.#outgoing.queuedFrames;
  }

  /**
   * What waits to go out costs this process: `bufferedBytes` plus a fixed overhead
   * per queued frame. The high-water mark and the send buffer's maximum apply to it.
   */
  get bufferedCost(): number {
    return this.#outgoing.bufferedCost;
  }

  /**
   * True while this side does not read from the other, because what it sent has
   * not been drained (at or over the high-water mark, until below half of it):
   * a side that does not read cannot make this one queue more answers.
   */
  get readsPaused(): boolean {
    return this.#readsPaused;
  }

  /** Our requests waiting for replies. */
  get requests(): number {
    return this.#requests.size;
  }

  /** The other side's requests waiting for our reply. */
  get peerRequests(): number {
    return this.#peerRequests.size;
  }

  /**
   * Queues a message. Returns false when what waits to go out (`bufferedCost`) is at or
   * over the high-water mark (the message is queued all the same; wait for
   * `drained()` before sending more), and when the connection is closing (the
   * message is dropped; `drained()` then rejects). A message that would take the
   * buffer over its maximum closes the connection with `SEND_BUFFER_FULL`.
   * A chunk's `data` is written as given, not copied: do not change it afterwards, unless
   * `options.sent` was called (once the transport no longer needs the bytes, if it can tell;
   * a socket can). It is never called for a message that was dropped.
   */
  send(message: Message, options: SendOptions = {}): boolean {
    if (this.#state === 'closing' || this.#state === 'closed') return false;
    const parts = encodeFrameParts(message);
    const bytes = parts.length === 1 ? parts[0]!.length : parts[0]!.length + parts[1]!.length;
    const buffered = this.#outgoing.bufferedCost;
    if (buffered > 0 && buffered + bytes + QUEUED_FRAME_OVERHEAD_BYTES > this.limits.maxSendBufferBytes) {
      this.#fail(new SendBufferFullError(buffered, this.#outgoing.queuedFrames, this.limits.maxSendBufferBytes));
      return false;
    }
    this.#outgoing.push(parts, bytes, message.t !== 'chunk', options.sent);
    const room = this.#hasRoom();
    if (!room && !this.#readsPaused && this.#state === 'open') {
      // Reading on would only queue more answers to a side that does not take them.
      this.#readsPaused = true;
      this.#transport.pause();
    }
    return room;
  }

  /** Resolves when `send()` has room again; rejects with `CONNECTION_CLOSED` if the connection closes first. */
  drained(options: { signal?: AbortSignal } = {}): Promise<void> {
    const { signal } = options;
    if (this.#reason) return Promise.reject(new ConnectionClosedError(this.#reason));
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#hasRoom()) return Promise.resolve();
    return this.#drainWaiters.wait(signal);
  }

  /**
   * Sends a request (its `id` is assigned here) and resolves with the reply of
   * the type `REPLY_TYPE` names (`chunk` or `reject` for `request`). An `error`
   * reply rejects with `RemoteError`; no reply in time rejects with
   * `REQUEST_TIMEOUT`; the connection closing rejects with `CONNECTION_CLOSED`.
   */
  request<M extends RequestInput>(message: M, options: RequestOptions = {}): Promise<ReplyOf<M['t']>> {
    const { signal } = options;
    if (this.#reason) return Promise.reject(new ConnectionClosedError(this.#reason));
    if (signal?.aborted) return Promise.reject(signal.reason);
    const { id, reply } = this.#requests.open(message.t, options.timeout ?? this.limits.requestTimeout, signal);
    // Adding `id` to a request body of type M makes exactly the message of type M['t'].
    this.send({ ...message, id } as Message);
    return reply as Promise<ReplyOf<M['t']>>;
  }

  /**
   * Answers one of the other side's requests (`re` is filled in). Returns what
   * `send()` returns. Throws `NO_SUCH_REQUEST` if the request was answered already
   * or did not come over this connection.
   */
  reply<R extends AnyRequest>(request: R, message: ReplyInput<R['t']>, options: SendOptions = {}): boolean {
    if (!this.#takePeerRequest(request)) return false;
    // `message` is a reply body for R's type; with `re` it is that reply message.
    return this.send({ ...message, re: request.id } as Message, options);
  }

  /** Answers one of the other side's requests with `error { code, message, re }`; the requester's promise rejects with `RemoteError`. */
  replyError(request: AnyRequest, code: string, message: string): boolean {
    assertErrorCode(code);
    if (!this.#takePeerRequest(request)) return false;
    return this.send(errorMessage(code, message, request.id));
  }

  /** Sets (or with `undefined`, removes) the handler for one incoming message type. */
  handle<T extends HandledType>(type: T, handler: Handler<T> | undefined): this {
    if (handler) this.#handlers.set(type, handler as unknown as AnyHandler);
    else this.#handlers.delete(type);
    return this;
  }

  /** Whether a handler is set for one incoming message type. */
  handles(type: HandledType): boolean {
    return this.#handlers.has(type);
  }

  /**
   * Closes the connection. With a reason, the other side first gets
   * `error { code, message }` and whatever was still queued is dropped; without
   * one, queued messages go out first. Pending requests reject with
   * `CONNECTION_CLOSED` at once. Resolves with the close reason once the transport is closed.
   */
  close(reason?: CloseRequest): Promise<CloseReason> {
    if (reason) {
      assertErrorCode(reason.code);
      this.#shutdown({ code: reason.code, message: clip(reason.message), byRemote: false }, undefined, 'tell');
    } else {
      this.#shutdown({ code: CloseCode.closed, message: 'closed by this side', byRemote: false }, undefined, 'flush');
    }
    return this.closed;
  }

  #dispatch(message: Message): void {
    if (this.#state === 'handshaking') return this.#onHandshake(message);
    if (message.t === 'hello') {
      return this.#fail(new ProtocolError('PROTOCOL_VIOLATION', 'a second hello after the handshake'));
    }
    this.#emitSafely('message', message);
    if (this.#reason) return;
    if ('re' in message && message.re !== undefined) return this.#onReply(message);
    if (message.t === 'error') {
      return this.#shutdown({ code: message.code, message: message.message, byRemote: true }, undefined, 'drop');
    }
    if ('id' in message) return this.#onRequest(message);
    const handler = this.#handlers.get(message.t);
    if (handler) this.#run(handler, message);
  }

  #onHandshake(message: Message): void {
    if (message.t === 'error') {
      const failure = new RemoteError(message.code, message.message);
      return this.#shutdown({ code: message.code, message: message.message, byRemote: true }, failure, 'drop');
    }
    if (message.t !== 'hello') {
      return this.#fail(new ProtocolError('PROTOCOL_VIOLATION', `expected hello first, got ${message.t}`));
    }
    try {
      assertSupportedVersion(message);
    } catch (error) {
      if (!(error instanceof WireError)) throw error;
      return this.#fail(new ProtocolError(error.code, error.message, { cause: error }));
    }
    this.#clock.clearTimeout(this.#handshakeTimer);
    this.#remoteRole = message.role;
    this.#state = 'open';
    this.#reader.startIdle();
    this.#resolveOpened();
    this.#emitSafely('open');
  }

  #onReply(message: Extract<Message, { re: number }> | ErrorMessage): void {
    const pending = this.#requests.take(message.re!);
    if (!pending) return; // a late reply to a request that timed out or was aborted
    if (message.t === 'error') return pending.reject(new RemoteError(message.code, message.message));
    if (!isReplyTo(pending.type, message.t)) {
      const error = new ProtocolError('PROTOCOL_VIOLATION', `a ${message.t} cannot answer a ${pending.type} request`);
      pending.reject(error);
      return this.#fail(error);
    }
    pending.resolve(message);
  }

  #onRequest(message: AnyRequest): void {
    const refusal = this.#peerRequests.admit(message.id);
    if (refusal) return this.#fail(refusal);
    const handler = this.#handlers.get(message.t);
    if (handler) this.#run(handler, message);
    else this.replyError(message, WireErrorCode.unhandledRequest, `this ${this.role} does not answer ${message.t}`);
  }

  #run(handler: AnyHandler, message: Message): void {
    try {
      const result = handler(message, this);
      if (result instanceof Promise) result.catch((error: unknown) => this.#onHandlerError(message, error));
    } catch (error) {
      this.#onHandlerError(message, error);
    }
  }

  #onHandlerError(message: Message, error: unknown): void {
    if ('id' in message && isRequestType(message.t) && this.#peerRequests.has(message.id)) {
      // The details stay in this process (the `error` event), not on the wire.
      this.replyError(message, WireErrorCode.internalError, `the ${message.t} request could not be handled`);
    }
    this.#report(error instanceof Error ? error : new Error(String(error)));
  }

  #takePeerRequest(request: AnyRequest): boolean {
    if (this.#reason) return false;
    if (!this.#peerRequests.answer(request.id)) {
      throw new ConnectionError(
        'NO_SUCH_REQUEST',
        `request ${request.id} (${request.t}) is not waiting for a reply on this connection — answered twice?`,
      );
    }
    return true;
  }

  #hasRoom(): boolean {
    return this.#outgoing.bufferedCost < this.#highWater;
  }

  #onProgress(): void {
    if (this.#readsPaused && this.#state === 'open' && this.#outgoing.bufferedCost < this.#highWater / 2) this.#resumeReads();
    if (this.#drainWaiters.size > 0 && this.#hasRoom()) this.#drainWaiters.resolveAll();
  }

  #resumeReads(): void {
    this.#readsPaused = false;
    this.#transport.resume();
  }

  #onEnd(): void {
    const partial = this.#reader.partialBytes;
    this.#shutdown(
      partial > 0
        ? {
            code: 'TRUNCATED',
            message: `the other side closed the connection ${partial} bytes into a frame`,
            byRemote: true,
          }
        : { code: CloseCode.closed, message: 'closed by the other side', byRemote: true },
      undefined,
      'drop',
    );
  }

  #onTransportError(error: Error): void {
    this.#shutdown({ code: CloseCode.lost, message: `connection lost: ${error.message}`, byRemote: true }, undefined, 'drop');
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  #fail(error: ConnectionError): void {
    // Nothing was read because this side stopped reading: the other side's fault is that it does not read.
    if (this.#readsPaused && error.code === 'IDLE_TIMEOUT') error = new SendStalledError(this.limits.idleTimeout, this.#outgoing.bufferedCost);
    this.#shutdown({ code: error.code, message: clip(error.message), byRemote: false }, error, 'tell');
  }

  /** The one way into closing: everything waiting is settled here, once. */
  #shutdown(reason: CloseReason, failure: Error | undefined, farewell: Farewell): void {
    if (this.#reason) return;
    this.#reason = reason;
    this.#state = 'closing';
    this.#stopTimers();
    const closedError = new ConnectionClosedError(reason, { cause: failure });
    this.#requests.rejectAll(closedError);
    this.#rejectOpened(failure ?? closedError);
    this.#drainWaiters.rejectAll(closedError);
    this.#peerRequests.clear();
    if (farewell !== 'flush') this.#outgoing.stop();
    // Reads are discarded from now on; taking them lets the other side's close reach us.
    if (this.#readsPaused) this.#resumeReads();
    if (farewell === 'tell' && this.#transport.writable) this.#transport.write(encodeFrame(errorMessage(reason.code, reason.message)));
    this.#outgoing.endWhenFlushed();
    this.#lingerTimer = this.#clock.setTimeout(() => this.#transport.destroy(), this.limits.closeTimeout);
  }

  #onClose(): void {
    if (this.#state === 'closed') return;
    this.#shutdown({ code: CloseCode.closed, message: 'the transport closed', byRemote: true }, undefined, 'drop');
    this.#state = 'closed';
    this.#clock.clearTimeout(this.#lingerTimer);
    this.#outgoing.stop();
    const reason = this.#reason!;
    this.#emitSafely('close', reason);
    this.#resolveClosed(reason);
  }

  #stopTimers(): void {
    this.#clock.clearTimeout(this.#handshakeTimer);
    this.#reader.stop();
  }

  /** Listeners are the app's code: one that throws must not take the transport's event loop down with it. */
  #emitSafely<K extends 'open' | 'message' | 'close'>(event: K, ...args: ConnectionEvents[K]): void {
    try {
      // TypeScript cannot match a generic key against EventEmitter's conditional argument type; the signature is the same.
      (this.emit as (event: K, ...args: ConnectionEvents[K]) => boolean)(event, ...args);
    } catch (error) {
      this.#report(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** A bug in app code: to `error` listeners if there are any, else a process warning, never a crash. */
  #report(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else warn(error);
  }
}
