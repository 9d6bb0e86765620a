import { TransportResetError, WebSocketProtocolError, WriteAfterEndError } from './errors.js';
import type { Transport } from './transport.js';

/**
 * The part of a WebSocket this transport uses: what a browser's `WebSocket` and the
 * `ws` package's both have. `pause`/`resume`/`terminate` are `ws`'s own; without them
 * (a browser) reads cannot be held back and a destroy is a close.
 */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  /** Bytes given to `send()` that have not left yet: the only backpressure signal a browser gives. */
  readonly bufferedAmount: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number; reason: string; wasClean: boolean }) => void): void;
  addEventListener(type: 'error', listener: (event: unknown) => void): void;
  addEventListener(type: 'open', listener: () => void): void;
  pause?(): void;
  resume?(): void;
  terminate?(): void;
}

export interface WebSocketTransportOptions {
  /**
   * The other side's address: on a server, the socket address of the HTTP upgrade
   * request (never a header such as X-Forwarded-For, which anyone can write).
   * @default undefined (a browser cannot see it)
   */
  remoteAddress?: string;
  remotePort?: number;
  localAddress?: string;
  localPort?: number;
  /**
   * `write()` returns false from this many bytes not yet sent (`bufferedAmount`) on.
   * @default 16_384 (a `net.Socket`'s)
   */
  highWaterMark?: number;
  /**
   * How often `bufferedAmount` is looked at while a writer waits for `drain`
   * (a WebSocket has no event for it). The poll stops at drain or close.
   * @default 10
   */
  drainPollMs?: number;
}

/** `WebSocket.OPEN` (the constant is not on every implementation's instances). */
const OPEN = 1;
/** Close codes a browser may send: 1000 (normal) and 4000–4999 (the application's). */
const NORMAL_CLOSURE = 1000;
const APPLICATION_ERROR_CLOSURE = 4000;
const DEFAULT_HIGH_WATER_MARK = 16 * 1024;
const DEFAULT_DRAIN_POLL_MS = 10;
/**
 * Writes corked together go out as messages of about this size: few messages for a
 * burst of small frames, and no message much larger than the largest single frame
 * (a receiver caps the size of a message).
 */
const MESSAGE_BATCH_BYTES = 64 * 1024;

type Listener = (...args: never[]) => void;

/**
 * A `Transport` over an open WebSocket, so the framed protocol runs unchanged where
 * TCP cannot be opened (a browser) or to central's WebSocket endpoint. Each `write`
 * (or each corked batch) goes as one binary message; received binary messages are
 * read as bytes, in order, whatever their boundaries. A text message is not our
 * protocol: it destroys the transport (`WEBSOCKET_PROTOCOL`). A clean close from the
 * other side reads as `end` then `close`; an unclean one as `TRANSPORT_RESET`.
 * Imports nothing from `node:` so a browser bundle can take it (it uses the global
 * `Buffer` where there is one, as the rest of this package does).
 */
export class WebSocketTransport implements Transport {
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly localAddress: string | undefined;
  readonly localPort: number | undefined;
  readonly writableHighWaterMark: number;
  readonly #socket: WebSocketLike;
  readonly #drainPollMs: number;
  readonly #listeners = new Map<string, Listener[]>();
  /** Messages that arrived while paused or before anyone listened for `data`. */
  readonly #inbox: Uint8Array[] = [];
  #corks = 0;
  #corked: Uint8Array[] = [];
  #corkedBytes = 0;
  #paused = true;
  #ended = false;
  #destroyed = false;
  #closed = false;
  #drainTimer: ReturnType<typeof setTimeout> | undefined;
  #socketError: unknown;

  constructor(socket: WebSocketLike, options: WebSocketTransportOptions = {}) {
    this.#socket = socket;
    this.remoteAddress = options.remoteAddress;
    this.remotePort = options.remotePort;
    this.localAddress = options.localAddress;
    this.localPort = options.localPort;
    this.writableHighWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    this.#drainPollMs = options.drainPollMs ?? DEFAULT_DRAIN_POLL_MS;
    socket.binaryType = 'arraybuffer';
    // Held until a `data` listener comes, as a socket holds what arrives before anyone reads.
    socket.pause?.();
    socket.addEventListener('message', (event) => this.#onMessage(event.data));
    socket.addEventListener('error', (event) => (this.#socketError ??= event));
    socket.addEventListener('close', (event) => this.#onSocketClose(event.wasClean, event.code, event.reason));
  }

  get writable(): boolean {
    return !this.#ended && !this.#destroyed && this.#socket.readyState === OPEN;
  }

  get writableEnded(): boolean {
    return this.#ended;
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  get writableLength(): number {
    return this.#socket.bufferedAmount + this.#corkedBytes;
  }

  write(bytes: Uint8Array): boolean {
    if (!this.writable) {
      queueMicrotask(() => this.destroy(new WriteAfterEndError()));
      return false;
    }
    if (this.#corks > 0) {
      this.#corked.push(bytes);
      this.#corkedBytes += bytes.length;
    } else {
      this.#socket.send(bytes);
    }
    if (this.writableLength < this.writableHighWaterMark) return true;
    this.#waitForDrain();
    return false;
  }

  cork(): void {
    this.#corks += 1;
  }

  /** Sends what was written while corked in few messages (see MESSAGE_BATCH_BYTES) instead of one per write. */
  uncork(): void {
    if (this.#corks === 0 || --this.#corks > 0 || this.#corked.length === 0) return;
    const parts = this.#corked;
    this.#corked = [];
    this.#corkedBytes = 0;
    if (this.#destroyed || this.#socket.readyState !== OPEN) return;
    let batch: Uint8Array[] = [];
    let batchBytes = 0;
    for (const part of parts) {
      if (batchBytes > 0 && batchBytes + part.length > MESSAGE_BATCH_BYTES) {
        this.#socket.send(concat(batch));
        batch = [];
        batchBytes = 0;
      }
      batch.push(part);
      batchBytes += part.length;
    }
    this.#socket.send(concat(batch));
  }

  end(bytes?: Uint8Array): this {
    if (bytes && this.writable) this.write(bytes);
    if (this.#ended || this.#destroyed) return this;
    this.#corks = 1;
    this.uncork();
    this.#ended = true;
    // A WebSocket has no half-close: the close frame follows what is queued, and the other side's close ends reading.
    this.#socket.close(NORMAL_CLOSURE);
    return this;
  }

  destroy(error?: Error): this {
    if (this.#destroyed) return this;
    this.#destroyed = true;
    this.#inbox.length = 0;
    this.#stopDrainPoll();
    if (this.#socket.terminate) this.#socket.terminate();
    else this.#socket.close(error ? APPLICATION_ERROR_CLOSURE : NORMAL_CLOSURE);
    queueMicrotask(() => {
      if (error) this.#emit('error', error);
      this.#emitClose();
    });
    return this;
  }

  pause(): this {
    this.#paused = true;
    this.#socket.pause?.();
    return this;
  }

  resume(): this {
    if (!this.#paused) return this;
    this.#paused = false;
    this.#socket.resume?.();
    queueMicrotask(() => {
      while (this.#inbox.length > 0 && !this.#paused && !this.#destroyed) this.#emit('data', this.#inbox.shift()!);
    });
    return this;
  }

  on(event: string, listener: Listener): this {
    const listeners = this.#listeners.get(event) ?? [];
    listeners.push(listener);
    this.#listeners.set(event, listeners);
    // Like a socket, reading starts when someone listens for data.
    if (event === 'data') this.resume();
    return this;
  }

  once(event: string, listener: Listener): this {
    const wrapper = (...args: never[]): void => {
      this.off(event, wrapper);
      listener(...args);
    };
    return this.on(event, wrapper);
  }

  off(event: string, listener: Listener): this {
    const listeners = this.#listeners.get(event);
    const index = listeners?.indexOf(listener) ?? -1;
    if (index >= 0) listeners!.splice(index, 1);
    return this;
  }

  #onMessage(data: unknown): void {
    if (this.#destroyed) return;
    if (!(data instanceof ArrayBuffer)) {
      this.destroy(new WebSocketProtocolError('a text message arrived; this protocol sends only binary messages'));
      return;
    }
    const bytes = typeof Buffer === 'function' ? Buffer.from(data) : new Uint8Array(data);
    if (this.#paused || this.#inbox.length > 0) this.#inbox.push(bytes);
    else this.#emit('data', bytes);
  }

  #onSocketClose(wasClean: boolean, code: number, reason: string): void {
    this.#stopDrainPoll();
    if (this.#destroyed) return;
    this.#destroyed = true;
    // What arrived before the close is still read, then the end or the reset.
    for (const bytes of this.#inbox.splice(0)) this.#emit('data', bytes);
    if (wasClean || this.#ended) {
      this.#emit('end');
    } else {
      const cause = this.#socketError instanceof Error ? this.#socketError : (this.#socketError as { error?: unknown } | undefined)?.error;
      const error = new TransportResetError({ cause: cause ?? new Error(`WebSocket closed with code ${code}${reason ? ` (${reason})` : ''}`) });
      this.#emit('error', error);
    }
    this.#emitClose();
  }

  #waitForDrain(): void {
    if (this.#drainTimer !== undefined) return;
    const poll = (): void => {
      this.#drainTimer = undefined;
      if (this.#destroyed) return;
      if (this.writableLength === 0) return void this.#emit('drain');
      this.#drainTimer = setTimeout(poll, this.#drainPollMs);
    };
    this.#drainTimer = setTimeout(poll, this.#drainPollMs);
  }

  #stopDrainPoll(): void {
    if (this.#drainTimer !== undefined) clearTimeout(this.#drainTimer);
    this.#drainTimer = undefined;
  }

  #emitClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#emit('close');
  }

  #emit(event: string, ...args: unknown[]): void {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) (listener as (...values: unknown[]) => void)(...args);
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let length = 0;
  for (const part of parts) length += part.length;
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}
