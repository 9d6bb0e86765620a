import { connect, type Socket } from 'node:net';
import { encodeFrame, hello } from '@p2pstream/wire';

export interface NonReadingRequestersOptions {
  host: string;
  port: number;
  stream: string;
  /** Seqs asked for, round and round: the live window and a little past its edge. */
  firstSeq: number;
  seqCount: number;
  /** Local loopback addresses, `perAddress` connections from each. */
  from: readonly string[];
  perAddress: number;
  /** Everything stops after this long, at the latest. */
  durationMs: number;
}

/** Requests written per connection per tick, while its own socket takes them. */
const REQUESTS_PER_TICK = 512;
const TICK_MS = 50;

/**
 * The attack of peers that never read: each connection says hello, joins the
 * stream and then keeps writing chunk requests without ever reading a byte of
 * the answers. Bounded: it writes only while its own socket has room (so this
 * process does not grow), a fixed number of connections, for `durationMs`.
 */
export class NonReadingRequesters {
  readonly #sockets = new Set<Socket>();
  readonly #timer: NodeJS.Timeout;
  readonly #stopTimer: NodeJS.Timeout;
  #requests = 0;

  constructor(options: NonReadingRequestersOptions) {
    for (const localAddress of options.from) {
      for (let i = 0; i < options.perAddress; i++) this.#open(options, localAddress);
    }
    let seq = 0;
    let id = 2;
    this.#timer = setInterval(() => {
      for (const socket of this.#sockets) {
        if (socket.writableNeedDrain || socket.destroyed) continue;
        for (let k = 0; k < REQUESTS_PER_TICK; k++) {
          this.#requests += 1;
          const more = socket.write(encodeFrame({ t: 'request', id: id++, seq: options.firstSeq + (seq++ % options.seqCount) }));
          if (!more) break;
        }
      }
    }, TICK_MS);
    this.#stopTimer = setTimeout(() => this.stop(), options.durationMs);
  }

  /** Requests written so far, by every connection. */
  get requests(): number {
    return this.#requests;
  }

  /** Connections still open. */
  get open(): number {
    return this.#sockets.size;
  }

  stop(): void {
    clearInterval(this.#timer);
    clearTimeout(this.#stopTimer);
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
  }

  #open(options: NonReadingRequestersOptions, localAddress: string): void {
    const socket = connect({ host: options.host, port: options.port, localAddress });
    socket.on('error', () => undefined);
    socket.on('close', () => this.#sockets.delete(socket));
    // No 'data' listener and paused: not one byte of the answers is read.
    socket.pause();
    socket.write(encodeFrame(hello('peer')));
    socket.write(encodeFrame({ t: 'join', id: 1, stream: options.stream }));
    this.#sockets.add(socket);
  }
}
