import { createConnection, type Socket } from 'node:net';
import type { Role, TakeBuffer } from '@p2pstream/wire';
import { monotonicClock, type Clock } from '@p2pstream/units';
import { connectDialed } from './connect.js';
import type { Connection } from './connection.js';
import { ConnectFailedError, ConnectionRefusedError, HandshakeTimeoutError } from './errors.js';
import { resolveConnectionLimits, type ConnectionLimits } from './limits.js';
import type { Handlers } from './message-types.js';
import { ReadBuffers } from './read-buffers.js';
import type { UploadLimiter } from './upload-limiter.js';

/** What dials a peer or central: `dial` itself, or a stand-in a test or an embedder hands in. */
export type DialFunction = typeof dial;

export interface DialOptions {
  /** The role this side declares in its `hello`. */
  role: Role;
  /** The local address to connect from, e.g. `127.0.0.7` for a peer that owns its own loopback address. */
  localAddress?: string;
  /** `handshakeTimeout` here covers connecting as well as the `hello` exchange. */
  limits?: ConnectionLimits;
  uploadLimiter?: UploadLimiter;
  /** Handlers in place before the handshake completes. */
  handlers?: Handlers;
  /** @default monotonicClock */
  clock?: Clock;
  /** Aborting stops dialing (the connection, if made, is closed); it has no effect once `dial` has resolved. */
  signal?: AbortSignal;
  /** See `ConnectionOptions.takeBuffer`: set, the socket reads into one reused buffer. */
  takeBuffer?: TakeBuffer;
}

/**
 * Connects to `host:port` over TCP and resolves with an open `Connection` once
 * both sides have exchanged `hello` (it is `connect()` over the new socket). Rejects with `CONNECTION_REFUSED` when nothing
 * listens there, `CONNECT_FAILED` for other socket errors, `HANDSHAKE_TIMEOUT`,
 * `RemoteError` when the other side refuses (e.g. `TOO_MANY_CONNECTIONS`), or
 * the protocol error that ended the handshake (e.g. `UNSUPPORTED_VERSION`).
 */
export async function dial(host: string, port: number, options: DialOptions): Promise<Connection> {
  options.signal?.throwIfAborted();
  const limits = resolveConnectionLimits(options.limits);
  const clock = options.clock ?? monotonicClock;
  const started = clock.now();
  const socket = await openSocket(host, port, options, limits.handshakeTimeout, clock);
  return connectDialed(socket, options, { handshakeTimeoutMs: limits.handshakeTimeout, started, clock });
}

/** A TCP socket connected to `host:port`, reading into buffers sized to the traffic. */
function openSocket(host: string, port: number, options: DialOptions, timeout: number, clock: Clock): Promise<Socket> {
  const { signal } = options;
  return new Promise<Socket>((resolve, reject) => {
    const buffers = new ReadBuffers({ reuse: options.takeBuffer !== undefined });
    const socket = createConnection({
      host,
      port,
      localAddress: options.localAddress,
      noDelay: true,
      // Reads go into buffers sized to the traffic (see ReadBuffers); the bytes are handed on
      // as the 'data' event the Connection listens to, which a socket with `onread` never emits itself.
      onread: {
        buffer: () => buffers.next(),
        callback: (bytes, buffer) => {
          buffers.used(bytes);
          socket.emit('data', Buffer.from(buffer.buffer, buffer.byteOffset, bytes));
          return true;
        },
      },
    });

    const settle = (error?: unknown): void => {
      clock.clearTimeout(connectTimer);
      signal?.removeEventListener('abort', onAbort);
      socket.off('error', onConnectError);
      if (error === undefined) resolve(socket);
      else reject(error);
    };
    const onAbort = (): void => {
      socket.destroy();
      settle(signal?.reason);
    };
    const onConnectError = (error: NodeJS.ErrnoException): void => {
      settle(error.code === 'ECONNREFUSED' ? new ConnectionRefusedError(host, port, { cause: error }) : new ConnectFailedError(host, port, error));
    };
    const connectTimer = clock.setTimeout(() => {
      socket.destroy();
      settle(new HandshakeTimeoutError(`could not connect to ${host}:${port} within ${timeout} ms`));
    }, timeout);

    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('error', onConnectError);
    socket.once('connect', () => settle());
  });
}
