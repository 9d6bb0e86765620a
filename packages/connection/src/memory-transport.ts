import { EventEmitter } from 'node:events';
import type { Clock } from '@p2pstream/units';
import { TransportResetError, WriteAfterEndError } from './errors.js';
import type { Transport } from './transport.js';

/** An address and port one end of a pair has, as the other end sees it. */
export interface Endpoint {
  address: string;
  port: number;
}

export interface MemoryPairOptions {
  /**
   * `write()` returns false once this many bytes are written and not yet read by the
   * other end; an end that does not read (no `data` listener, or paused) holds them.
   * @default 16_384 (a `net.Socket`'s)
   */
  highWaterMark?: number;
  /**
   * Delivers bytes and ends on this clock, `latency` ms after they were written: with a
   * fake clock nothing arrives until the test moves time. Without one, they arrive on the
   * next turn of the event loop (`setImmediate`), as a socket's would — no real time passes.
   */
  clock?: Clock;
  /** Milliseconds from a write to the other end's read; needs `clock`. @default 0 */
  latency?: number;
  /** The first end's own address (the second end's `remoteAddress`). @default 127.0.0.2:49152 */
  first?: Endpoint;
  /** The second end's own address. @default 127.0.0.1:2050 */
  second?: Endpoint;
}

/** What travels from one end to the other, in order. */
type Delivery = Buffer | 'end' | 'reset';

// The ends talk to each other through these; they are not part of the Transport an app sees.
const join = Symbol('join');
const receive = Symbol('receive');
const read = Symbol('read');

const DEFAULT_FIRST: Endpoint = { address: '127.0.0.2', port: 49_152 };
const DEFAULT_SECOND: Endpoint = { address: '127.0.0.1', port: 2050 };
const DEFAULT_HIGH_WATER_MARK = 16 * 1024;

interface MemoryTransportEvents {
  data: [data: Buffer];
  end: [];
  drain: [];
  error: [error: Error];
  close: [];
  /** EventEmitter's own: someone started listening (a `data` listener starts the reading). */
  newListener: [event: string | symbol, listener: (...args: never[]) => unknown];
}

/**
 * Two joined `Transport`s in one process: bytes written on one are read on the
 * other, in order and uncopied. Backpressure is real (a reader that does not read
 * keeps the writer's `writableLength` up), `end()` half-closes (the other end gets
 * `end` and ends too, as a socket without `allowHalfOpen` does), `destroy()` ends
 * the other side and `destroy(error)` before `end()` resets it (`TRANSPORT_RESET`).
 */
export function createMemoryPair(options: MemoryPairOptions = {}): [MemoryTransport, MemoryTransport] {
  const latency = options.latency ?? 0;
  const highWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
  if (!Number.isFinite(latency) || latency < 0) throw new RangeError(`latency must be a non-negative number of ms, not ${latency}`);
  if (latency > 0 && !options.clock) throw new RangeError('latency needs a clock to deliver on: pass clock as well');
  if (!Number.isSafeInteger(highWaterMark) || highWaterMark < 1) {
    throw new RangeError(`highWaterMark must be a positive integer, not ${highWaterMark}`);
  }
  const first = options.first ?? DEFAULT_FIRST;
  const second = options.second ?? DEFAULT_SECOND;
  const a = new MemoryTransport(first, second, highWaterMark);
  const b = new MemoryTransport(second, first, highWaterMark);
  a[join](b, new Link(b, options.clock, latency));
  b[join](a, new Link(a, options.clock, latency));
  return [a, b];
}

/** One direction of a pair: deliveries written at the same instant travel together, in order. */
class Link {
  readonly #to: MemoryTransport;
  readonly #clock: Clock | undefined;
  readonly #latency: number;
  #batch: Delivery[] | undefined;
  #batchAt = 0;

  constructor(to: MemoryTransport, clock: Clock | undefined, latency: number) {
    this.#to = to;
    this.#clock = clock;
    this.#latency = latency;
  }

  send(delivery: Delivery): void {
    const at = this.#clock ? this.#clock.now() + this.#latency : 0;
    if (this.#batch && this.#batchAt === at) {
      this.#batch.push(delivery);
      return;
    }
    const batch = [delivery];
    this.#batch = batch;
    this.#batchAt = at;
    const arrive = (): void => {
      if (this.#batch === batch) this.#batch = undefined;
      for (const item of batch) this.#to[receive](item);
    };
    if (this.#clock) this.#clock.setTimeout(arrive, this.#latency);
    else setImmediate(arrive);
  }
}

/** One end of `createMemoryPair()`. */
export class MemoryTransport extends EventEmitter<MemoryTransportEvents> implements Transport {
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly writableHighWaterMark: number;
  #link: Link | undefined;
  #peer: MemoryTransport | undefined;
  /** Arrived but not yet read: the end is paused, or nobody listens for `data` yet. */
  #inbox: Array<Buffer | 'end'> = [];
  #paused = true;
  #writableLength = 0;
  #needDrain = false;
  #ended = false;
  #endReceived = false;
  #destroyed = false;
  #closed = false;

  /** Use `createMemoryPair()`. */
  constructor(local: Endpoint, remote: Endpoint, highWaterMark: number) {
    super();
    this.localAddress = local.address;
    this.localPort = local.port;
    this.remoteAddress = remote.address;
    this.remotePort = remote.port;
    this.writableHighWaterMark = highWaterMark;
    // Like a socket, it starts reading when someone listens: bytes that come first wait.
    this.on('newListener', (event) => {
      if (event === 'data') this.resume();
    });
  }

  [join](peer: MemoryTransport, link: Link): void {
    this.#peer = peer;
    this.#link = link;
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

  /** Bytes written here that the other end has not read yet. */
  get writableLength(): number {
    return this.#writableLength;
  }

  /** Whether reading is paused (`pause()`, or no `data` listener yet). */
  get isPaused(): boolean {
    return this.#paused;
  }

  write(bytes: Uint8Array): boolean {
    if (!this.writable) {
      process.nextTick(() => this.destroy(new WriteAfterEndError()));
      return false;
    }
    const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#writableLength += buffer.length;
    this.#link!.send(buffer);
    if (this.#writableLength >= this.writableHighWaterMark) this.#needDrain = true;
    return !this.#needDrain;
  }

  /** Writes are delivered in order as they are; there is no system call to save. */
  cork(): void {}

  uncork(): void {}

  end(bytes?: Uint8Array): this {
    if (bytes && this.writable) this.write(bytes);
    if (this.#ended || this.#destroyed) return this;
    this.#ended = true;
    this.#link!.send('end');
    this.#closeIfDone();
    return this;
  }

  destroy(error?: Error): this {
    if (this.#destroyed) return this;
    this.#destroyed = true;
    // What this end will never read no longer holds the writer back.
    for (const delivery of this.#inbox.splice(0)) if (Buffer.isBuffer(delivery)) this.#peer![read](delivery.length);
    // After its own end the other side has all it will get; before, an error resets it and a clean destroy ends it.
    if (!this.#ended) this.#link!.send(error ? 'reset' : 'end');
    process.nextTick(() => {
      if (error) this.emit('error', error);
      this.#emitClose();
    });
    return this;
  }

  /** Stops reading: what arrives waits, and the writer's `writableLength` stays up. */
  pause(): this {
    this.#paused = true;
    return this;
  }

  resume(): this {
    if (!this.#paused) return this;
    this.#paused = false;
    process.nextTick(() => {
      while (this.#inbox.length > 0 && !this.#paused) this.#take(this.#inbox.shift()!);
    });
    return this;
  }

  /** A delivery from the other end, through its link. */
  [receive](delivery: Delivery): void {
    if (this.#destroyed) {
      if (Buffer.isBuffer(delivery)) this.#peer![read](delivery.length);
      return;
    }
    // A reset overtakes unread bytes, as a TCP RST does.
    if (delivery === 'reset') return void this.destroy(new TransportResetError());
    if (this.#paused || this.#inbox.length > 0) this.#inbox.push(delivery);
    else this.#take(delivery);
  }

  /** The other end read `bytes` of what this end wrote. */
  [read](bytes: number): void {
    this.#writableLength -= bytes;
    if (this.#needDrain && this.#writableLength === 0 && !this.#destroyed) {
      this.#needDrain = false;
      this.emit('drain');
    }
  }

  #take(delivery: Buffer | 'end'): void {
    if (this.#destroyed) return;
    if (delivery === 'end') {
      this.#endReceived = true;
      this.emit('end');
      if (!this.#ended) this.end();
      this.#closeIfDone();
      return;
    }
    this.emit('data', delivery);
    this.#peer![read](delivery.length);
  }

  #closeIfDone(): void {
    if (!this.#ended || !this.#endReceived || this.#destroyed) return;
    this.#destroyed = true;
    process.nextTick(() => this.#emitClose());
  }

  #emitClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.emit('close');
  }
}
