import { EventEmitter } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { encodeFrame, type Role } from '@p2pstream/wire';
import { normalizeAddress } from './address.js';
import { systemClock, type Clock } from './clock.js';
import { Connection } from './connection.js';
import { DEFAULT_LISTEN_HOST } from './constants.js';
import { AddressInUseError, ListenFailedError, TooManyConnectionsError } from './errors.js';
import { resolveServerLimits, type ResolvedServerLimits, type ServerLimits } from './limits.js';
import type { CloseRequest, Handlers } from './message-types.js';
import type { UploadLimiter } from './upload-limiter.js';

export interface ListenOptions {
  /** Local address to listen on. @default '0.0.0.0' */
  host?: string;
  /** Port to listen on; 0 picks a free one (see `address().port`). */
  port: number;
  /** The role this side declares in its `hello`. */
  role: Role;
  limits?: ServerLimits;
  /** Shared by every accepted connection (and by dialed ones too, if the app passes the same instance). */
  uploadLimiter?: UploadLimiter;
  /** Handlers given to every accepted connection before its handshake. */
  handlers?: Handlers;
  /** Called with each connection once its handshake is done, like the `connection` event. */
  onConnection?: (connection: Connection) => void;
  /** @default systemClock */
  clock?: Clock;
  /** Aborting before the server listens rejects `listen`; after, it closes the server. */
  signal?: AbortSignal;
}

/** A socket the server turned away before its handshake. */
export interface Refusal {
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** What the socket was sent, as `error { code, message }`. */
  readonly error: TooManyConnectionsError;
}

export interface ServerEvents {
  /** A connection finished its handshake. Register its handlers here (synchronously) or through `handlers`. */
  connection: [connection: Connection];
  /** A socket was refused by a connection limit; it was sent `error TOO_MANY_CONNECTIONS`. */
  refused: [refusal: Refusal];
  /** The server and all its connections have closed. */
  close: [];
  /** The listening socket failed (e.g. out of file descriptors); without a listener it becomes a process warning. */
  error: [error: Error];
}

/**
 * Accepts sockets, applies the server's connection limits, and hands out each
 * `Connection` once its handshake is done. A connection that misbehaves is
 * closed on its own; the server and the other connections carry on.
 * Made by `listen()`.
 */
export class ConnectionServer extends EventEmitter<ServerEvents> {
  readonly role: Role;
  readonly limits: ResolvedServerLimits;

  readonly #server: Server;
  readonly #options: ListenOptions;
  readonly #clock: Clock;
  readonly #all = new Set<Connection>();
  readonly #open = new Set<Connection>();
  readonly #perIp = new Map<string, number>();
  readonly #refused = new Set<Socket>();
  #handshaking = 0;
  #address: AddressInfo | undefined;
  #closing: Promise<void> | undefined;

  /** Use `listen()`; this wraps a `net.Server` that is not listening yet. */
  constructor(server: Server, options: ListenOptions) {
    super();
    this.role = options.role;
    this.limits = resolveServerLimits(options.limits);
    this.#server = server;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    if (options.onConnection) this.on('connection', options.onConnection);
    server.on('connection', (socket: Socket) => this.#accept(socket));
    server.on('listening', () => (this.#address = server.address() as AddressInfo));
    server.on('error', (error) => {
      // Before listening, `listen()` reports the error; after, it must not go unseen nor crash the process.
      if (!this.#address) return;
      if (this.listenerCount('error') > 0) this.emit('error', error);
      else process.emitWarning(error);
    });
  }

  /** The address and port the server listens on (the real port when it was given 0). */
  address(): AddressInfo {
    if (!this.#address) throw new Error('the server is not listening');
    return this.#address;
  }

  /** Open connections (handshake done, not yet closed). */
  get connections(): ReadonlySet<Connection> {
    return this.#open;
  }

  /** Accepted sockets still in their handshake. */
  get pendingHandshakes(): number {
    return this.#handshaking;
  }

  /**
   * Stops accepting and closes every connection (with `reason`, each is sent
   * `error { code, message }` first). Resolves when the listening socket and
   * every connection have closed.
   */
  close(reason?: CloseRequest): Promise<void> {
    this.#closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => this.#server.close(() => resolve()));
      const closing = [...this.#all].map((connection) => connection.close(reason));
      for (const socket of this.#refused) socket.destroy();
      await Promise.all([stopped, ...closing]);
      this.emit('close');
    })();
    return this.#closing;
  }

  #accept(socket: Socket): void {
    if (this.#closing) {
      socket.destroy();
      return;
    }
    const ip = normalizeAddress(socket.remoteAddress);
    const refusal = this.#refusalFor(ip);
    if (refusal) {
      this.#refuse(socket, ip, refusal);
      return;
    }
    const connection = new Connection(socket, {
      role: this.role,
      limits: this.limits,
      uploadLimiter: this.#options.uploadLimiter,
      handlers: this.#options.handlers,
      clock: this.#clock,
    });
    this.#all.add(connection);
    this.#perIp.set(ip, (this.#perIp.get(ip) ?? 0) + 1);
    this.#handshaking += 1;
    connection.once('open', () => {
      this.#handshaking -= 1;
      this.#open.add(connection);
      this.emit('connection', connection);
    });
    connection.once('close', () => {
      if (!this.#open.delete(connection)) this.#handshaking -= 1;
      this.#all.delete(connection);
      const left = (this.#perIp.get(ip) ?? 1) - 1;
      if (left > 0) this.#perIp.set(ip, left);
      else this.#perIp.delete(ip);
    });
  }

  #refusalFor(ip: string): string | undefined {
    const { maxConnections, maxConnectionsPerIp, maxPendingHandshakes } = this.limits;
    if (this.#all.size >= maxConnections) {
      return `this server already holds its maximum of ${maxConnections} connections — try again later, or another server`;
    }
    if ((this.#perIp.get(ip) ?? 0) >= maxConnectionsPerIp) {
      return `${ip} already holds the maximum of ${maxConnectionsPerIp} connections to this server — close one before opening another`;
    }
    if (this.#handshaking >= maxPendingHandshakes) {
      return `${maxPendingHandshakes} connections are already in their handshake here — try again shortly`;
    }
    return undefined;
  }

  #refuse(socket: Socket, ip: string, message: string): void {
    const error = new TooManyConnectionsError(message);
    const refusal: Refusal = { remoteAddress: ip, remotePort: socket.remotePort ?? 0, error };
    this.#refused.add(socket);
    // A refused peer may reset the socket; there is nothing to report about it.
    socket.on('error', () => undefined);
    // Read and discard, so closing sends FIN rather than a reset that could wipe out the error frame.
    socket.resume();
    socket.end(encodeFrame({ t: 'error', code: error.code, message }));
    const timer = this.#clock.setTimeout(() => socket.destroy(), this.limits.closeTimeout);
    socket.once('close', () => {
      this.#clock.clearTimeout(timer);
      this.#refused.delete(socket);
    });
    this.emit('refused', refusal);
  }
}

/**
 * Listens on `host:port` and resolves once the server is accepting. Rejects
 * with `ADDRESS_IN_USE` (an app may then take the next port) or `LISTEN_FAILED`.
 */
export async function listen(options: ListenOptions): Promise<ConnectionServer> {
  const { signal } = options;
  signal?.throwIfAborted();
  const host = options.host ?? DEFAULT_LISTEN_HOST;
  const netServer = createServer({ noDelay: true });
  const server = new ConnectionServer(netServer, options);
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      netServer.off('error', onError);
      netServer.close();
      reject(signal?.reason);
    };
    const onError = (error: NodeJS.ErrnoException): void => {
      signal?.removeEventListener('abort', onAbort);
      reject(
        error.code === 'EADDRINUSE'
          ? new AddressInUseError(host, options.port, error)
          : new ListenFailedError(host, options.port, error),
      );
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    netServer.once('error', onError);
    netServer.listen({ host, port: options.port }, () => {
      netServer.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
  });
  signal?.addEventListener('abort', () => void server.close(), { once: true });
  return server;
}
