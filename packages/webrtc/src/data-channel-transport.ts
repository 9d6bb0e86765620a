// Buffer is a type only, erased from the JavaScript; the one Node module it imports is node:events, which a browser
// bundle takes from the `events` package, as for @p2pstream/connection (which needs a `Buffer` global too).
import type { Buffer } from 'node:buffer';
import { EventEmitter } from 'node:events';
import type { Transport } from '@p2pstream/connection';
import { ChannelTag, countMessage, MAX_DATA_BYTES, readCount } from './channel-messages.js';
import { takeHeldMessages } from './early-messages.js';
import { ChannelLostError, TransportResetError, WebRTCError } from './errors.js';
import type { DataChannel } from './web-rtc-types.js';

export interface DataChannelTransportOptions {
  /** The other side's address, e.g. from the selected ICE candidate pair (`openDataChannel` gives it). Per-IP limits count it. */
  remoteAddress?: string;
  remotePort?: number;
  /** This side's address as the other side sees it, where known. */
  localAddress?: string;
  localPort?: number;
  /** Closed with the transport, so nothing outlives the connection that used it. */
  peerConnection?: { close(): void };
  /**
   * `write()` returns false from this many bytes written and not yet read by the other side.
   * @default 1_048_576
   */
  highWaterMark?: number;
  /**
   * Bytes the other side may send that this side has not read yet: what a paused reader holds
   * at most. A sender that goes over it is cut off with `RECEIVE_WINDOW_EXCEEDED`.
   * @default 1_048_576
   */
  receiveWindow?: number;
  /**
   * Bytes handed to the channel (its `bufferedAmount`) from which the transport waits for
   * `bufferedamountlow` before handing it more; the rest waits in `writableLength`.
   * @default 262_144
   */
  channelBufferBytes?: number;
}

interface TransportEvents {
  data: [data: Buffer];
  end: [];
  drain: [];
  error: [error: Error];
  close: [];
  /** EventEmitter's own: someone started listening (a `data` listener starts the reading). */
  newListener: [event: string | symbol, listener: (...args: never[]) => unknown];
}

const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;
const DEFAULT_RECEIVE_WINDOW = 1024 * 1024;
const DEFAULT_CHANNEL_BUFFER_BYTES = 256 * 1024;
/** Credit goes back once this share of the window has been read: fewer messages, the sender never starved. */
const CREDIT_EVERY = 1 / 4;
/** How soon to look at `bufferedAmount` again on a channel without `bufferedamountlow`. */
const LOOK_AGAIN_MS = 5;

/**
 * A `Transport` over an ordered, reliable `RTCDataChannel` that is open (a browser's or a
 * Node implementation's), so `connect()` and `ConnectionServer.accept()` run the p2pstream
 * protocol over WebRTC. Both ends must use it: it adds a one-byte tag to every message for
 * half-close and flow control (see `channel-messages.ts`). A channel from `openDataChannel`
 * keeps what arrives until the transport is made; any other channel must be handed over in
 * the turn it opened, since messages nobody listens for are lost.
 */
export function dataChannelTransport(channel: DataChannel, options: DataChannelTransportOptions = {}): DataChannelTransport {
  return new DataChannelTransport(channel, options);
}

export class DataChannelTransport extends EventEmitter<TransportEvents> implements Transport {
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly localAddress: string | undefined;
  readonly localPort: number | undefined;
  readonly writableHighWaterMark: number;
  readonly #channel: DataChannel;
  readonly #peerConnection: { close(): void } | undefined;
  readonly #receiveWindow: number;
  readonly #channelBufferBytes: number;
  /** Written, not yet sent: waiting for credit, room in the channel, or `uncork()`. */
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  /** Sent and not yet read by the other side (credited back). */
  #unacknowledged = 0;
  /** Bytes the other side lets this side send now. */
  #credit = 0;
  #corked = 0;
  #needDrain = false;
  /** Arrived and not yet read: paused, or nobody listens for `data` yet. */
  #inbox: Array<Buffer | 'end'> = [];
  #inboxBytes = 0;
  /** Bytes the other side may still send before this side gives credit back. */
  #allowance: number;
  #readSinceCredit = 0;
  #paused = true;
  #ended = false;
  #endSent = false;
  #endReceived = false;
  #destroyed = false;
  #closed = false;
  #windowReceived = false;
  /** Whether the channel fires `bufferedamountlow` (@roamhq/wrtc 0.10 does not; there the transport looks again on a timer). */
  readonly #hasLowEvent: boolean;
  #lookAgain: ReturnType<typeof setTimeout> | undefined;

  constructor(channel: DataChannel, options: DataChannelTransportOptions = {}) {
    super();
    // Like a socket, it starts reading when someone listens: what comes first waits.
    this.on('newListener', (event) => {
      if (event === 'data') this.resume();
    });
    this.remoteAddress = options.remoteAddress;
    this.remotePort = options.remotePort;
    this.localAddress = options.localAddress;
    this.localPort = options.localPort;
    this.writableHighWaterMark = positive('highWaterMark', options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK);
    this.#receiveWindow = positive('receiveWindow', options.receiveWindow ?? DEFAULT_RECEIVE_WINDOW);
    this.#channelBufferBytes = positive('channelBufferBytes', options.channelBufferBytes ?? DEFAULT_CHANNEL_BUFFER_BYTES);
    if (!channel.ordered || !unlimited(channel.maxRetransmits) || !unlimited(channel.maxPacketLifeTime)) {
      throw new WebRTCError('CHANNEL_NOT_RELIABLE', `data channel "${channel.label}" is not ordered and reliable: a byte stream needs both`);
    }
    if (channel.readyState !== 'open') {
      throw new WebRTCError('CHANNEL_LOST', `data channel "${channel.label}" is ${channel.readyState}, not open: wait for its open event`);
    }
    this.#channel = channel;
    this.#peerConnection = options.peerConnection;
    this.#allowance = this.#receiveWindow;
    channel.binaryType = 'arraybuffer';
    this.#hasLowEvent = typeof channel.bufferedAmountLowThreshold === 'number';
    channel.bufferedAmountLowThreshold = this.#channelBufferBytes / 2;
    const early = takeHeldMessages(channel);
    channel.addEventListener('message', (event) => this.#onMessage(event.data));
    channel.addEventListener('bufferedamountlow', () => this.#pump());
    channel.addEventListener('close', () => this.#onChannelClose());
    channel.addEventListener('error', (event) => this.destroy(new WebRTCError('CHANNEL_LOST', `data channel failed: ${String(event.error)}`, { cause: event.error })));
    this.#send(countMessage(ChannelTag.window, this.#receiveWindow));
    for (const message of early) this.#onMessage(message);
  }

  get writable(): boolean {
    return !this.#ended && !this.#destroyed;
  }

  get writableEnded(): boolean {
    return this.#ended;
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  /** Bytes written here that the other side has not read yet: waiting here, in the channel, or unread there. */
  get writableLength(): number {
    return this.#pendingBytes + this.#unacknowledged;
  }

  /** Bytes arrived and not yet read (paused, or no `data` listener); never more than `receiveWindow`. */
  get readableLength(): number {
    return this.#inboxBytes;
  }

  write(bytes: Uint8Array): boolean {
    if (!this.writable) {
      queueMicrotask(() => this.destroy(new WebRTCError('WRITE_AFTER_END', 'write after end: this side of the data channel has ended')));
      return false;
    }
    if (bytes.byteLength > 0) {
      this.#pending.push(bytes);
      this.#pendingBytes += bytes.byteLength;
      this.#pump();
    }
    if (this.writableLength >= this.writableHighWaterMark) this.#needDrain = true;
    return !this.#needDrain;
  }

  /** Writes until `uncork()` go out together, packed into as few messages as fit. */
  cork(): void {
    this.#corked++;
  }

  uncork(): void {
    if (this.#corked > 0 && --this.#corked === 0) this.#pump();
  }

  end(bytes?: Uint8Array): this {
    if (bytes && this.writable) this.write(bytes);
    if (this.#ended || this.#destroyed) return this;
    this.#ended = true;
    this.#pump();
    return this;
  }

  destroy(error?: Error): this {
    if (this.#destroyed) return this;
    this.#destroyed = true;
    clearTimeout(this.#lookAgain);
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#inbox = [];
    this.#inboxBytes = 0;
    // As a socket: a clean destroy ends the other side, one with an error resets it.
    if (!this.#endSent && this.#channel.readyState === 'open') this.#send(new Uint8Array([error ? ChannelTag.reset : ChannelTag.end]));
    this.#closeChannel();
    queueMicrotask(() => {
      if (error) this.emit('error', error);
      this.#emitClose();
    });
    return this;
  }

  /** Stops `data` events: what arrives waits here, and the other side gets no credit for it, so it stops sending. */
  pause(): this {
    this.#paused = true;
    return this;
  }

  resume(): this {
    if (!this.#paused) return this;
    this.#paused = false;
    queueMicrotask(() => {
      while (this.#inbox.length > 0 && !this.#paused && !this.#destroyed) {
        const item = this.#inbox.shift()!;
        if (item !== 'end') this.#inboxBytes -= item.length;
        this.#take(item);
      }
    });
    return this;
  }

  /** Sends what credit and the channel's buffer allow, packing writes into messages of at most 16 KiB. */
  #pump(): void {
    if (this.#destroyed || this.#corked > 0 || this.#channel.readyState !== 'open') return;
    while (this.#pendingBytes > 0 && this.#credit > 0 && this.#channel.bufferedAmount < this.#channelBufferBytes) {
      const size = Math.min(MAX_DATA_BYTES, this.#credit, this.#pendingBytes);
      this.#send(this.#takePending(size));
      this.#credit -= size;
      this.#unacknowledged += size;
    }
    if (this.#pendingBytes > 0 && this.#credit > 0 && !this.#hasLowEvent && !this.#lookAgain) {
      this.#lookAgain = setTimeout(() => {
        this.#lookAgain = undefined;
        this.#pump();
      }, LOOK_AGAIN_MS);
    }
    // Behind every byte written. If the other side's end came first, it closes the channel when it reads this one.
    if (this.#ended && !this.#endSent && this.#pendingBytes === 0) {
      this.#endSent = true;
      this.#send(new Uint8Array([ChannelTag.end]));
    }
  }

  /** One data message carrying the next `size` pending bytes (the channel copies what it is given, so this is the one copy). */
  #takePending(size: number): Uint8Array {
    const message = new Uint8Array(1 + size);
    message[0] = ChannelTag.data;
    let filled = 0;
    while (filled < size) {
      const head = this.#pending[0]!;
      const take = Math.min(head.byteLength, size - filled);
      message.set(take === head.byteLength ? head : head.subarray(0, take), 1 + filled);
      filled += take;
      if (take === head.byteLength) this.#pending.shift();
      else this.#pending[0] = head.subarray(take);
    }
    this.#pendingBytes -= size;
    return message;
  }

  #onMessage(data: unknown): void {
    if (this.#destroyed) return;
    if (!(data instanceof ArrayBuffer) || data.byteLength === 0) return this.#refuse('a message that is not binary');
    const tag = new Uint8Array(data, 0, 1)[0];
    switch (tag) {
      case ChannelTag.data:
        return this.#onData(globalThis.Buffer.from(data, 1));
      case ChannelTag.window:
      case ChannelTag.credit:
        return this.#onCount(tag, readCount(data));
      case ChannelTag.end:
        return this.#deliver('end');
      case ChannelTag.reset:
        // A reset overtakes unread bytes, as a TCP RST does.
        return void this.destroy(new TransportResetError());
      default:
        return this.#refuse(`unknown tag ${tag}`);
    }
  }

  #onData(bytes: Buffer): void {
    if (this.#endReceived) return this.#refuse('data after end');
    this.#allowance -= bytes.length;
    if (this.#allowance < 0) {
      return void this.destroy(
        new WebRTCError('RECEIVE_WINDOW_EXCEEDED', `the other side sent more than the ${this.#receiveWindow}-byte receive window it was given`),
      );
    }
    this.#deliver(bytes);
  }

  #onCount(tag: number, count: number | undefined): void {
    if (count === undefined) return this.#refuse('a window or credit message that is not 5 bytes');
    if (tag === ChannelTag.window) {
      if (this.#windowReceived) return this.#refuse('a second window');
      this.#windowReceived = true;
    } else {
      if (count > this.#unacknowledged) return this.#refuse(`credit for ${count} bytes when ${this.#unacknowledged} were unread`);
      this.#unacknowledged -= count;
    }
    this.#credit += count;
    this.#pump();
    if (this.#needDrain && this.writableLength < this.writableHighWaterMark / 2) {
      this.#needDrain = false;
      this.emit('drain');
    }
  }

  #deliver(item: Buffer | 'end'): void {
    if (item === 'end') this.#endReceived = true;
    if (this.#paused || this.#inbox.length > 0) {
      this.#inbox.push(item);
      if (item !== 'end') this.#inboxBytes += item.length;
    } else {
      this.#take(item);
    }
  }

  #take(item: Buffer | 'end'): void {
    if (item === 'end') {
      this.emit('end');
      if (this.#endSent) return this.#finish();
      // A socket without allowHalfOpen ends too once the other side has.
      if (!this.#ended) this.end();
      return;
    }
    this.emit('data', item);
    this.#giveCredit(item.length);
  }

  #giveCredit(bytes: number): void {
    this.#readSinceCredit += bytes;
    if (this.#readSinceCredit < this.#receiveWindow * CREDIT_EVERY || this.#destroyed || this.#channel.readyState !== 'open') return;
    this.#send(countMessage(ChannelTag.credit, this.#readSinceCredit));
    this.#allowance += this.#readSinceCredit;
    this.#readSinceCredit = 0;
  }

  /**
   * Both sides have ended and this side read the other's end last: it closes the channel.
   * (The side that sent the last end waits for that close, so its end is not cut off.)
   */
  #finish(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#closeChannel();
    queueMicrotask(() => this.#emitClose());
  }

  #onChannelClose(): void {
    if (this.#destroyed) return this.#closePeerConnection();
    // The other side ended first and then closed (a socket's FIN, then its close): nothing was lost.
    if (this.#endReceived) {
      this.#destroyed = true;
      this.#closePeerConnection();
      return this.#emitClose();
    }
    this.destroy(new ChannelLostError());
  }

  /** The channel's `send`, which throws once the channel is closing (its `readyState` may lag behind): that is a lost channel. */
  #send(message: Uint8Array): void {
    try {
      this.#channel.send(message);
    } catch (error) {
      queueMicrotask(() => this.destroy(new WebRTCError('CHANNEL_LOST', `the data channel refused a message: ${String(error)}`, { cause: error })));
    }
  }

  #refuse(what: string): void {
    this.destroy(new WebRTCError('BAD_CHANNEL_MESSAGE', `the other side sent ${what} — is it a p2pstream data channel transport?`));
  }

  #closeChannel(): void {
    if (this.#channel.readyState === 'open' || this.#channel.readyState === 'connecting') this.#channel.close();
    else this.#closePeerConnection();
  }

  /** After the channel's close has gone out: closing the peer connection first would cut it off. */
  #closePeerConnection(): void {
    this.#peerConnection?.close();
  }

  #emitClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.emit('close');
  }
}

/** Null in the standard; @roamhq/wrtc reports an unset limit as the largest unsigned short instead. */
function unlimited(limit: number | null | undefined): boolean {
  return limit === null || limit === undefined || limit === 65_535;
}

function positive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, not ${value}`);
  return value;
}
