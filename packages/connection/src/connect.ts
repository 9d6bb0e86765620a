import type { Clock } from '@p2pstream/units';
import { Connection } from './connection.js';
import type { ConnectionOptions } from './connection-types.js';
import type { DialOptions } from './dial.js';
import type { Transport } from './transport.js';

export interface ConnectOptions extends ConnectionOptions {
  /** Aborting before the handshake completes closes the connection and rejects; no effect after. */
  signal?: AbortSignal;
}

/**
 * Runs a connection over a transport that is already connected (an in-memory
 * pair's end, a data channel, a socket of your own) and resolves once both sides
 * have exchanged `hello`. `dial()` is this over a fresh TCP socket. Rejects as the
 * handshake does: `HANDSHAKE_TIMEOUT`, `RemoteError` when the other side refuses,
 * a protocol error such as `UNSUPPORTED_VERSION`, or the signal's reason.
 */
export function connect(transport: Transport, options: ConnectOptions): Promise<Connection> {
  const { signal, ...connectionOptions } = options;
  if (signal?.aborted) {
    transport.destroy();
    return Promise.reject(signal.reason);
  }
  const connection = new Connection(transport, connectionOptions);
  if (!signal) return connection.opened.then(() => connection);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      void connection.close();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    connection.opened.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve(connection);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * `connect` for a transport a dial function has just opened, with its dial options: the
 * handshake gets what is left of the one deadline (`handshakeTimeoutMs` from `started`
 * on `clock`) for opening the transport and shaking hands.
 */
export function connectDialed(transport: Transport, options: DialOptions, deadline: { handshakeTimeoutMs: number; started: number; clock: Clock }): Promise<Connection> {
  const { handshakeTimeoutMs, started, clock } = deadline;
  const handshakeTimeout = Math.max(1, Math.ceil(handshakeTimeoutMs - (clock.now() - started)));
  return connect(transport, {
    role: options.role,
    limits: { ...options.limits, handshakeTimeout },
    uploadLimiter: options.uploadLimiter,
    handlers: options.handlers,
    clock,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.takeBuffer ? { takeBuffer: options.takeBuffer } : {}),
  });
}
