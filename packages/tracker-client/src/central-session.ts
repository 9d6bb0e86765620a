import {
  ConnectionClosedError,
  ConnectionError,
  RemoteError,
  type CloseReason,
  type Connection,
  type DialFunction,
  type Handlers,
  type ReplyOf,
  type RequestInput,
} from '@p2pstream/connection/browser';
import { WireErrorCode } from '@p2pstream/wire';
import type { CentralAddress } from './central-address.js';
import { CentralUnreachableError, ClientClosedError, refusalError, RegistryUnavailableError, type CentralAttempt } from './errors.js';
import { sleep, untilAborted, type Clock } from '@p2pstream/units';

export interface CentralSessionOptions {
  readonly centrals: readonly CentralAddress[];
  readonly localAddress?: string;
  readonly connectTimeout: number;
  readonly requestTimeout: number;
  /** How to reach one central (TCP, or WebSocket for a `ws://` one). */
  readonly dialFor: (central: CentralAddress) => DialFunction;
  /** Handlers on every connection for what central pushes (`signaled`). */
  readonly handlers: Handlers;
  readonly clock: Clock;
  /** A request every central answers REGISTRY_UNAVAILABLE is tried again, with backoff, until this much time has passed. */
  readonly registryRetryTimeout: number;
  /** The pause before the next try after this many failed ones. */
  readonly backoff: (failures: number) => number;
  /** A new connection is open: the first, or one after a loss, a registry hop or a move back. */
  readonly onConnected: (central: string, why: ConnectCause) => void;
  /** The open connection was lost, given up, or replaced by one to the preferred central. */
  readonly onDisconnected: (central: string, reason: CloseReason) => void;
}

/**
 * Why a connection was opened: `dialed` — the first, or after the last one was
 * lost; `registry-hop` — it replaced one whose central answered
 * REGISTRY_UNAVAILABLE, to ask another; `moved-back` — it replaced one to
 * another central when the preferred one answered again.
 */
export type ConnectCause = 'dialed' | 'registry-hop' | 'moved-back';

/**
 * Codes central answers a request with that mean "this central cannot serve
 * now" rather than "this request is wrong": the request goes to the next central.
 */
const TRY_ELSEWHERE = new Set<string>([WireErrorCode.registryUnavailable, WireErrorCode.internalError, WireErrorCode.shuttingDown]);

/**
 * Codes a connection closes with when the other side refused what we sent
 * (our bug, or an incompatible version): another central would refuse it too.
 */
const REFUSED_INPUT = new Set<string>([
  WireErrorCode.invalidField,
  WireErrorCode.malformed,
  WireErrorCode.unknownType,
  WireErrorCode.frameTooLarge,
  WireErrorCode.unsupportedVersion,
  WireErrorCode.protocolViolation,
]);

/**
 * One connection to one central at a time, from a list (in the order this
 * client prefers them: `centrals[0]` first) to fail over along.
 * `request` sends on the current connection and, when that central cannot
 * answer, moves on to the next one — each central at most once per request.
 */
export class CentralSession {
  readonly #options: CentralSessionOptions;
  #index = 0;
  #current: { connection: Connection; central: CentralAddress } | undefined;
  #connecting: Promise<Connection> | undefined;
  /**
   * Every central answered REGISTRY_UNAVAILABLE on the last pass (they share one
   * Redis, and it is down): until a request goes through, stay on the current
   * connection instead of hopping between centrals that cannot help.
   */
  #registriesDown = false;
  /** The next connection is opened only because the last central's registry was down. */
  #hoppingForRegistry = false;
  /** Aborts a dial in progress when the session closes, so no socket or timer outlives it. */
  readonly #closing = new AbortController();
  #closed = false;

  constructor(options: CentralSessionOptions) {
    this.#options = options;
  }

  /** The open connection, if any. */
  get connection(): Connection | undefined {
    return this.#current?.connection.state === 'open' ? this.#current.connection : undefined;
  }

  /** The central the open connection goes to, as `host:port`. */
  get central(): string | undefined {
    return this.connection ? this.#current?.central.label : undefined;
  }

  /** The open connection, or a new one to the first central (from the current one on) that answers. */
  connect(signal?: AbortSignal): Promise<Connection> {
    if (this.#closed) return Promise.reject(new ClientClosedError());
    if (signal?.aborted) return Promise.reject(signal.reason);
    const open = this.connection;
    if (open) return Promise.resolve(open);
    this.#connecting ??= this.#dialAny().finally(() => (this.#connecting = undefined));
    return untilAborted(this.#connecting, signal);
  }

  /**
   * Sends on the open connection, failing over along the list; when the
   * centrals answer that their registry is down, tries again after a growing,
   * jittered pause until `registryRetryTimeout` has passed. Unless
   * `retryRegistry` is false (a background loop, with its own schedule): then
   * a registry refusal is final and keeps the connection, since centrals
   * sharing a Redis share its outage, and the connection holds what this
   * client published, which central restores if the registry returns empty.
   */
  async request<M extends RequestInput>(message: M, signal?: AbortSignal, retryRegistry = true): Promise<ReplyOf<M['t']>> {
    const { clock, registryRetryTimeout, backoff } = this.#options;
    const deadline = clock.now() + (retryRegistry ? registryRetryTimeout : 0);
    for (let failures = 0; ; failures++) {
      try {
        return await this.#requestOnce(message, signal, retryRegistry);
      } catch (error) {
        if (!(error instanceof RegistryUnavailableError)) throw error;
        const pause = backoff(failures);
        if (clock.now() + pause > deadline) throw error;
        await sleep(clock, pause, AbortSignal.any([this.#closing.signal, ...(signal ? [signal] : [])]));
        if (this.#closed) throw new ClientClosedError();
      }
    }
  }

  async #requestOnce<M extends RequestInput>(message: M, signal: AbortSignal | undefined, hopOnRegistry: boolean): Promise<ReplyOf<M['t']>> {
    const attempts: CentralAttempt[] = [];
    let registryDown = false;
    for (let tries = 0; tries < this.#options.centrals.length; tries++) {
      let connection: Connection;
      try {
        connection = await this.connect(signal);
      } catch (error) {
        if (error instanceof CentralUnreachableError) {
          const all = [...attempts, ...error.attempts];
          throw registryDown ? new RegistryUnavailableError(all) : new CentralUnreachableError(all);
        }
        throw error;
      }
      const central = this.#current?.central.label ?? '?';
      try {
        const reply = await connection.request(message, { timeout: this.#options.requestTimeout, signal });
        this.#registriesDown = false;
        return reply;
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (this.#closed) throw new ClientClosedError();
        if (error instanceof RemoteError && !TRY_ELSEWHERE.has(error.remoteCode)) {
          throw refusalError(error.remoteCode, error.remoteMessage, error);
        }
        if (error instanceof ConnectionClosedError && error.reason.byRemote && REFUSED_INPUT.has(error.reason.code)) {
          throw refusalError(error.reason.code, error.reason.message, error);
        }
        if (!(error instanceof ConnectionError)) throw error;
        attempts.push({ central, error });
        if (error instanceof RemoteError && error.remoteCode === WireErrorCode.registryUnavailable) {
          registryDown = true;
          // The connection is fine: close it only to ask another central, while that may help.
          if (tries === this.#options.centrals.length - 1 || this.#registriesDown || !hopOnRegistry) break;
          this.#hoppingForRegistry = true;
        }
        this.#drop(connection, { code: error.code, message: error.message, byRemote: false });
      }
    }
    // Known for every central only when each was asked.
    if (hopOnRegistry && registryDown && attempts.every((a) => a.error instanceof RemoteError && a.error.remoteCode === WireErrorCode.registryUnavailable)) {
      this.#registriesDown = true;
    }
    throw registryDown ? new RegistryUnavailableError(attempts) : new CentralUnreachableError(attempts);
  }

  /** Whether the open connection goes to some central other than the preferred (first) one. */
  get away(): boolean {
    return this.connection !== undefined && this.#current?.central !== this.#options.centrals[0];
  }

  /**
   * While connected to another central, tries the preferred one once; when it
   * answers, moves there (the old connection is closed) and resolves true.
   */
  async returnToPreferred(): Promise<boolean> {
    const preferred = this.#options.centrals[0]!;
    const old = this.#current;
    if (this.#closed || this.#connecting || !this.away || !old) return false;
    let connection: Connection;
    try {
      connection = await this.#dial(preferred);
    } catch {
      return false;
    }
    if (this.#closed || this.#current !== old) {
      void connection.close();
      return false;
    }
    this.#index = 0;
    this.#current = { connection, central: preferred };
    connection.once('close', (reason) => this.#drop(connection, reason));
    // Replaced, not lost: its close is no disconnection of this session (#drop ignores it).
    void old.connection.close();
    this.#options.onDisconnected(old.central.label, { code: 'MOVED', message: `moved back to the preferred central ${preferred.label}`, byRemote: false });
    this.#options.onConnected(preferred.label, 'moved-back');
    return true;
  }

  /** Closes the connection; every later call rejects with CLIENT_CLOSED. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#closing.abort(new ClientClosedError());
    const open = this.#current?.connection;
    this.#current = undefined;
    if (open) await open.close();
  }

  async #dialAny(): Promise<Connection> {
    const { centrals } = this.#options;
    const attempts: CentralAttempt[] = [];
    for (let tries = 0; tries < centrals.length; tries++) {
      const central = centrals[this.#index]!;
      try {
        const connection = await this.#dial(central);
        if (this.#closed) {
          void connection.close();
          throw new ClientClosedError();
        }
        this.#current = { connection, central };
        connection.once('close', (reason) => this.#drop(connection, reason));
        const cause = this.#hoppingForRegistry ? 'registry-hop' : 'dialed';
        this.#hoppingForRegistry = false;
        this.#options.onConnected(central.label, cause);
        return connection;
      } catch (error) {
        if (error instanceof ClientClosedError || this.#closed) throw new ClientClosedError();
        attempts.push({ central: central.label, error: error as Error });
        this.#index = (this.#index + 1) % centrals.length;
      }
    }
    throw new CentralUnreachableError(attempts);
  }

  #dial(central: CentralAddress): Promise<Connection> {
    const { dialFor, localAddress, connectTimeout, requestTimeout, handlers } = this.#options;
    return dialFor(central)(central.host, central.port, {
      role: 'peer',
      handlers,
      ...(localAddress ? { localAddress } : {}),
      // Central never sends chunks.
      limits: { handshakeTimeout: connectTimeout, requestTimeout, maxChunkBytes: 0 },
      signal: this.#closing.signal,
    });
  }

  /** Gives up `connection` if it is the current one: the next connect starts at the next central. */
  #drop(connection: Connection, reason: CloseReason): void {
    if (this.#current?.connection !== connection) return;
    const central = this.#current.central;
    this.#current = undefined;
    void connection.close();
    if (this.#closed) return;
    this.#index = (this.#options.centrals.indexOf(central) + 1) % this.#options.centrals.length;
    this.#options.onDisconnected(central.label, reason);
  }
}
