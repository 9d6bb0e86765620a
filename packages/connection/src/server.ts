import { EventEmitter } from 'node:events';
import type { AddressInfo, Server } from 'node:net';
import { encodeFrame, type Role } from '@p2pstream/wire';
import { normalizeAddress } from './address.js';
import { AddressAdmission, type AddressRefusal } from './address-admission.js';
import { AddressBans } from './address-bans.js';
import { addressGroup } from './address-group.js';
import { monotonicClock, type Clock } from '@p2pstream/units';
import { Connection } from './connection.js';
import { warn } from './platform.js';
import { SILENCE_PENALTY, VIOLATION_PENALTY } from './constants.js';
import { BannedError, NotListeningError, TooManyConnectionsError } from './errors.js';
import { resolveServerLimits, type ResolvedServerLimits, type ServerLimits } from './limits.js';
import type { CloseRequest, Handlers } from './message-types.js';
import { IdleTimeoutError } from './errors.js';
import type { Transport } from './transport.js';
import type { UploadLimiter } from './upload-limiter.js';

/** What a server needs whichever way its transports come in. */
export interface ServerOptions {
  /** The role this side declares in its `hello`. */
  role: Role;
  limits?: ServerLimits;
  /** Shared by every accepted connection (and by dialed ones too, if the app passes the same instance). */
  uploadLimiter?: UploadLimiter;
  /** Handlers given to every accepted connection before its handshake. */
  handlers?: Handlers;
  /** Called with each connection once its handshake is done, like the `connection` event. */
  onConnection?: (connection: Connection) => void;
  /**
   * Misbehaviour scores and bans by remote address: the server refuses a banned
   * address (`error BANNED`) and adds to the score of one whose connection it closed
   * for a protocol violation, or that stayed silent through its handshake or after it.
   * Pass one instance to share it (with a client's dialing, or between servers).
   * @default a new AddressBans with the limits' `banScore` and `banMs`, on the server's clock
   */
  bans?: AddressBans;
  /** @default monotonicClock */
  clock?: Clock;
}

export interface ListenOptions extends ServerOptions {
  /** Local address to listen on. @default '0.0.0.0' */
  host?: string;
  /** Port to listen on; 0 picks a free one (see `address().port`). */
  port: number;
  /** Aborting before the server listens rejects `listen`; after, it closes the server. */
  signal?: AbortSignal;
}

/** A transport the server turned away before its handshake. */
export interface Refusal {
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** What the socket was sent, as `error { code, message }`: a limit, or a ban. */
  readonly error: TooManyConnectionsError | BannedError;
}

export interface ServerEvents {
  /** A connection finished its handshake. Register its handlers here (synchronously) or through `handlers`. */
  connection: [connection: Connection];
  /** A transport was refused by a connection limit or a ban; it was sent `error TOO_MANY_CONNECTIONS` or `error BANNED`. */
  refused: [refusal: Refusal];
  /** The server and all its connections have closed. */
  close: [];
  /** The listening socket failed (e.g. out of file descriptors); without a listener it becomes a process warning. */
  error: [error: Error];
}

/**
 * Accepts transports, applies the server's connection limits, and hands out each
 * `Connection` once its handshake is done. A connection that misbehaves is
 * closed on its own; the server and the other connections carry on.
 * `listen()` makes one that accepts from its TCP listener; `new ConnectionServer(options)`
 * one that accepts only what is handed to `accept()` (in-memory pairs, data channels),
 * which a listening one takes as well, under the same limits.
 */
export class ConnectionServer extends EventEmitter<ServerEvents> {
  readonly role: Role;
  readonly limits: ResolvedServerLimits;

  readonly #listener: Server | undefined;
  readonly #options: ServerOptions;
  readonly #clock: Clock;
  readonly #all = new Set<Connection>();
  readonly #open = new Set<Connection>();
  readonly #admission: AddressAdmission;
  readonly bans: AddressBans;
  readonly #refused = new Set<Transport>();
  #handshaking = 0;
  #sweptAt = -Infinity;
  #address: AddressInfo | undefined;
  #closing: Promise<void> | undefined;

  /**
   * A server for the transports handed to `accept()`. `listen()` passes a `net.Server`
   * that is not listening yet, whose sockets it accepts too.
   */
  constructor(options: ServerOptions, listener?: Server) {
    super();
    this.role = options.role;
    this.limits = resolveServerLimits(options.limits);
    this.#listener = listener;
    this.#options = options;
    this.#clock = options.clock ?? monotonicClock;
    this.#admission = new AddressAdmission(this.limits, this.#clock);
    this.bans = options.bans ?? new AddressBans({ threshold: this.limits.banScore, banMs: this.limits.banMs, clock: this.#clock });
    if (options.onConnection) this.on('connection', options.onConnection);
    if (listener) this.#listen(listener);
  }

  /** Whether it has a TCP listener that is listening (`address()` works). */
  get listening(): boolean {
    return this.#address !== undefined;
  }

  /** The address and port the server listens on (the real port when it was given 0); `NOT_LISTENING` without a listener. */
  address(): AddressInfo {
    if (!this.#address) throw new NotListeningError();
    return this.#address;
  }

  /** Open connections (handshake done, not yet closed). */
  get connections(): ReadonlySet<Connection> {
    return this.#open;
  }

  /** Accepted transports still in their handshake. */
  get pendingHandshakes(): number {
    return this.#handshaking;
  }

  /**
   * Takes a connected transport as if it had come from the listener: the limits
   * (in total, handshaking, and per remote address: connections, handshakes, rate
   * of new connections) apply, a refused one is sent `error
   * TOO_MANY_CONNECTIONS` and `refused` is emitted, an accepted one is handed out
   * through `connection` after its handshake. After `close()` it is destroyed.
   * Returns the connection, still in its handshake, or undefined when it was refused.
   */
  accept(transport: Transport): Connection | undefined {
    if (this.#closing) {
      transport.destroy();
      return undefined;
    }
    const ip = normalizeAddress(transport.remoteAddress);
    const group = addressGroup(ip);
    if (this.bans.banned(ip)) {
      const minutes = Math.ceil(this.bans.remainingMs(ip) / 60_000);
      this.#refuse(transport, ip, new BannedError(`${ip} is banned here for ${minutes} more minute${minutes === 1 ? '' : 's'} after misbehaving (protocol violations or silent connections)`));
      return undefined;
    }
    const refusal = this.#refusalFor(ip, group);
    if (refusal) {
      this.#refuse(transport, ip, new TooManyConnectionsError(refusal));
      return undefined;
    }
    const connection = new Connection(transport, {
      role: this.role,
      limits: this.limits,
      uploadLimiter: this.#options.uploadLimiter,
      handlers: this.#options.handlers,
      clock: this.#clock,
    });
    this.#all.add(connection);
    this.#handshaking += 1;
    connection.once('open', () => {
      this.#handshaking -= 1;
      this.#admission.opened(group);
      this.#open.add(connection);
      this.#expectFirstMessage(connection);
      this.emit('connection', connection);
    });
    connection.once('close', (reason) => {
      const handshaking = !this.#open.delete(connection);
      if (handshaking) this.#handshaking -= 1;
      this.#all.delete(connection);
      this.#admission.closed(group, handshaking);
      const penalty = reason.byRemote ? 0 : (PENALTIES[reason.code] ?? 0);
      if (penalty > 0) this.bans.penalize(ip, penalty);
    });
    return connection;
  }

  /** A connection that holds a slot after its hello but asks for nothing is closed sooner than the idle timeout would. */
  #expectFirstMessage(connection: Connection): void {
    const timeout = this.limits.firstMessageTimeout;
    const timer = this.#clock.setTimeout(() => {
      const error = new IdleTimeoutError(timeout);
      this.bans.penalize(connection.remoteAddress, SILENCE_PENALTY);
      void connection.close({ code: error.code, message: `nothing asked within ${timeout} ms of the handshake` });
    }, timeout);
    const stop = (): void => {
      this.#clock.clearTimeout(timer);
      connection.off('message', stop);
      connection.off('close', stop);
    };
    connection.on('message', stop);
    connection.on('close', stop);
  }

  #listen(listener: Server): void {
    listener.on('connection', (socket) => this.accept(socket));
    listener.on('listening', () => (this.#address = listener.address() as AddressInfo));
    listener.on('error', (error) => {
      // Before listening, `listen()` reports the error; after, it must not go unseen nor crash the process.
      if (!this.#address) return;
      if (this.listenerCount('error') > 0) this.emit('error', error);
      else warn(error);
    });
  }

  /**
   * Stops accepting and closes every connection (with `reason`, each is sent
   * `error { code, message }` first). Resolves when the listening socket, if any,
   * and every connection have closed.
   */
  close(reason?: CloseRequest): Promise<void> {
    this.#closing ??= (async () => {
      const listener = this.#listener;
      const stopped = listener && new Promise<void>((resolve) => listener.close(() => resolve()));
      const closing = [...this.#all].map((connection) => connection.close(reason));
      for (const transport of this.#refused) transport.destroy();
      await Promise.all([stopped, ...closing]);
      this.emit('close');
    })();
    return this.#closing;
  }

  /**
   * Why a new transport from `ip` is refused, or undefined when it is admitted (and
   * counted). The per-address checks come first: an address over its own share is
   * told so, even when the shared pools are full too.
   */
  #refusalFor(ip: string, group: string): string | undefined {
    const { maxConnections, maxPendingHandshakes } = this.limits;
    this.#sweepAdmission();
    const byAddress = this.#admission.admit(group);
    if (byAddress) return this.#addressRefusal(ip, group, byAddress);
    let refusal: string | undefined;
    if (this.#all.size >= maxConnections) {
      refusal = `this server already holds its maximum of ${maxConnections} connections — try again later, or another server`;
    } else if (this.#handshaking >= maxPendingHandshakes) {
      refusal = `${maxPendingHandshakes} connections are already in their handshake here — try again shortly`;
    }
    if (refusal) this.#admission.closed(group, true);
    return refusal;
  }

  #addressRefusal(ip: string, group: string, why: AddressRefusal): string {
    const { maxConnectionsPerIp, maxPendingHandshakesPerIp, connectRatePerIp, connectBurstPerIp } = this.limits;
    const who = group === ip ? ip : `${ip} (counted as ${group})`;
    switch (why) {
      case 'connections':
        return `${who} already holds the maximum of ${maxConnectionsPerIp} connections to this server — close one before opening another`;
      case 'handshakes':
        return `${who} already has ${maxPendingHandshakesPerIp} connections in their handshake here — finish those first`;
      case 'rate':
        return `${who} opens connections faster than ${connectRatePerIp}/s (burst ${connectBurstPerIp}) — try again in ${Math.ceil(this.#admission.waitSeconds(group))} s`;
    }
  }

  /** Forgets idle addresses now and then, so the table holds only the ones active lately. */
  #sweepAdmission(): void {
    const now = this.#clock.now();
    if (now - this.#sweptAt < ADMISSION_SWEEP_MS) return;
    this.#sweptAt = now;
    this.#admission.sweep();
  }

  #refuse(transport: Transport, ip: string, error: TooManyConnectionsError | BannedError): void {
    const { message } = error;
    const refusal: Refusal = { remoteAddress: ip, remotePort: transport.remotePort ?? 0, error };
    // Refused sockets linger only to carry their error; a flood of them is cut at once rather than held.
    if (this.#refused.size >= this.limits.maxPendingHandshakes) {
      transport.on('error', () => undefined);
      transport.destroy();
      this.emit('refused', refusal);
      return;
    }
    this.#refused.add(transport);
    // A refused peer may reset the transport; there is nothing to report about it.
    transport.on('error', () => undefined);
    // Read and discard, so closing sends FIN rather than a reset that could wipe out the error frame.
    transport.resume();
    transport.end(encodeFrame({ t: 'error', code: error.code, message }));
    const timer = this.#clock.setTimeout(() => transport.destroy(), this.limits.closeTimeout);
    transport.once('close', () => {
      this.#clock.clearTimeout(timer);
      this.#refused.delete(transport);
    });
    this.emit('refused', refusal);
  }
}

/**
 * Why a connection this server closed counts against its address: the other side
 * broke the protocol (an honest peer never does), or held a socket and said nothing.
 * A version mismatch does not count: that is an old program, not a hostile one.
 */
const PENALTIES: Readonly<Record<string, number>> = {
  PROTOCOL_VIOLATION: VIOLATION_PENALTY,
  MALFORMED: VIOLATION_PENALTY,
  INVALID_FIELD: VIOLATION_PENALTY,
  UNKNOWN_TYPE: VIOLATION_PENALTY,
  FRAME_TOO_LARGE: VIOLATION_PENALTY,
  TOO_MANY_REQUESTS: VIOLATION_PENALTY,
  FRAME_TIMEOUT: VIOLATION_PENALTY,
  HANDSHAKE_TIMEOUT: SILENCE_PENALTY,
};

/** How often idle addresses are dropped from the per-address table. */
const ADMISSION_SWEEP_MS = 10_000;
