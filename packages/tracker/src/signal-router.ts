import type { Connection } from '@p2pstream/connection';
import { MAX_SIGNAL_BYTES, type AnnounceMessage, type SignalMessage } from '@p2pstream/wire';
import { wallClock, type Clock } from '@p2pstream/units';
import { DEFAULT_SIGNAL_RATE_PER_CONNECTION, SIGNAL_BURST_SECONDS } from './constants.js';
import type { CrossCentralSignals, RemoteDelivery, RemoteSignal } from './cross-central-signals.js';
import { RateLimiter } from './rate-limiter.js';
import { peerKey } from './registry.js';
import {
  SignalNotAnnouncedError,
  SignalRateLimitedError,
  SignalsNotAcceptedError,
  SignalTargetGoneError,
  SignalTooLargeError,
} from './signal-errors.js';
import type { TrackerSession } from './tracker.js';

export interface SignalRouterOptions {
  /**
   * Signals per second one connection may send on average.
   * @default 20
   */
  signalRate?: number;
  /**
   * Signals one connection may send at once.
   * @default 5 × signalRate
   */
  signalBurst?: number;
  /**
   * Bytes of one signal's payload at most; the wire's own limit (24 KiB) is the highest allowed.
   * @default 24_576
   */
  maxSignalBytes?: number;
  /** @default the system's wall clock */
  clock?: Clock;
  /** Reaches entries announced to the other centrals on a shared registry; without it, only this central's entries are reachable. */
  crossCentral?: CrossCentralSignals;
}

/** Where one entry's signals go: the connection that announced it, and whether its announce took signals. */
interface Route {
  readonly connection: Connection;
  readonly accepts: boolean;
}

/** Signals relayed and refused, for the status page and `--stats`. */
export interface SignalCounters {
  relayed: number;
  /** Of those relayed, how many went to an entry announced to another central (and how many came from one). */
  relayedAcross: number;
  receivedAcross: number;
  /** Refusals by code. */
  refused: Record<string, number>;
}

/**
 * Relays `signal` between entries of one stream. An entry is reachable through the
 * connection that announced it, and a signal is believed to come from the entry its
 * connection announced: that connection is the only proof of who sends. With
 * `crossCentral`, a signal for an entry announced to another central sharing the
 * registry goes there (`SIGNAL_TARGET_GONE` when no central holds it).
 */
export class SignalRouter {
  readonly counters: SignalCounters = { relayed: 0, relayedAcross: 0, receivedAcross: 0, refused: {} };
  readonly maxSignalBytes: number;
  readonly signalRate: number;
  readonly #signalBurst: number;
  readonly #clock: Clock;
  /** stream id → peerKey(host, port) → route. */
  readonly #routes = new Map<string, Map<string, Route>>();
  readonly #limiters = new WeakMap<Connection, RateLimiter>();
  readonly #crossCentral: CrossCentralSignals | undefined;

  constructor(options: SignalRouterOptions = {}) {
    this.signalRate = options.signalRate ?? DEFAULT_SIGNAL_RATE_PER_CONNECTION;
    this.#signalBurst = options.signalBurst ?? Math.max(1, Math.ceil(this.signalRate * SIGNAL_BURST_SECONDS));
    this.maxSignalBytes = options.maxSignalBytes ?? MAX_SIGNAL_BYTES;
    this.#clock = options.clock ?? wallClock;
    this.#crossCentral = options.crossCentral;
    this.#crossCentral?.start((signal) => this.#deliverFromAnotherCentral(signal));
    if (!(Number.isSafeInteger(this.maxSignalBytes) && this.maxSignalBytes >= 1 && this.maxSignalBytes <= MAX_SIGNAL_BYTES)) {
      throw new RangeError(`the signal size limit is an integer from 1 to ${MAX_SIGNAL_BYTES} bytes, not ${this.maxSignalBytes}`);
    }
    // Checked here so a bad flag fails at start, not at the first signal.
    new RateLimiter({ ratePerSecond: this.signalRate, burst: this.#signalBurst, clock: this.#clock });
  }

  /** After an accepted announce: the entry `session.host:message.port` is reachable through `connection`. */
  announced(session: TrackerSession, message: AnnounceMessage, connection: Connection, previousPort: number | undefined): void {
    if (previousPort !== undefined && previousPort !== message.port) this.#forget(message.stream, session.host, previousPort, connection);
    let routes = this.#routes.get(message.stream);
    if (!routes) {
      this.#routes.set(message.stream, (routes = new Map()));
      this.#crossCentral?.listen(message.stream);
    }
    const key = peerKey({ host: session.host, port: message.port });
    const accepts = message.signals === true;
    const route = routes.get(key);
    // Most announces are renewals of the same route: nothing to replace.
    if (route?.connection !== connection || route.accepts !== accepts) routes.set(key, { connection, accepts });
    if (!this.#limiters.has(connection)) {
      this.#limiters.set(connection, new RateLimiter({ ratePerSecond: this.signalRate, burst: this.#signalBurst, clock: this.#clock }));
      connection.once('close', () => {
        for (const [stream, port] of session.announced) this.#forget(stream, session.host, port, connection);
      });
    }
  }

  /** After an accepted leave: the entry is no longer reachable. */
  left(session: TrackerSession, stream: string, port: number, connection: Connection): void {
    this.#forget(stream, session.host, port, connection);
  }

  /**
   * Hands `message.data` to the target entry's connection, here or at another central,
   * or rejects with the refusal to answer with.
   */
  async route(session: TrackerSession, message: SignalMessage, connection: Connection): Promise<void> {
    try {
      const fromPort = session.announced.get(message.stream);
      if (fromPort === undefined) throw new SignalNotAnnouncedError(message.stream);
      if (!this.#limiters.get(connection)?.take('')) throw new SignalRateLimitedError(this.signalRate);
      if (message.data.length > this.maxSignalBytes) throw new SignalTooLargeError(message.data.length, this.maxSignalBytes);
      const signal: RemoteSignal = { stream: message.stream, toHost: message.host, toPort: message.port, fromHost: session.host, fromPort, data: message.data };
      let delivery: RemoteDelivery | undefined = this.#deliverHere(signal);
      if (delivery === undefined && this.#crossCentral) {
        delivery = await this.#crossCentral.relay(signal);
        if (delivery === 'relayed') this.counters.relayedAcross += 1;
      }
      if (delivery === undefined || delivery === 'gone') throw new SignalTargetGoneError(message.stream, message.host, message.port);
      if (delivery === 'not-accepted') throw new SignalsNotAcceptedError(message.host, message.port);
      this.counters.relayed += 1;
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'UNKNOWN';
      this.counters.refused[code] = (this.counters.refused[code] ?? 0) + 1;
      throw error;
    }
  }

  /** Stops relaying across centrals: signals waiting for another central's answer are refused as gone. */
  close(): void {
    this.#crossCentral?.close();
  }

  /** Entries reachable now (for tests and stats). */
  get routes(): number {
    let count = 0;
    for (const routes of this.#routes.values()) count += routes.size;
    return count;
  }

  /** Hands the signal to its target entry if it was announced here; undefined when it was not (or its connection is closing). */
  #deliverHere(signal: RemoteSignal): Exclude<RemoteDelivery, 'gone'> | undefined {
    const route = this.#routes.get(signal.stream)?.get(peerKey({ host: signal.toHost, port: signal.toPort }));
    if (!route || route.connection.state !== 'open') return undefined;
    if (!route.accepts) return 'not-accepted';
    route.connection.send({ t: 'signaled', stream: signal.stream, host: signal.fromHost, port: signal.fromPort, data: signal.data });
    return 'relayed';
  }

  #deliverFromAnotherCentral(signal: RemoteSignal): Exclude<RemoteDelivery, 'gone'> | undefined {
    const delivery = this.#deliverHere(signal);
    if (delivery === 'relayed') this.counters.receivedAcross += 1;
    return delivery;
  }

  /** Removes the route unless another connection has announced the same entry since. */
  #forget(stream: string, host: string, port: number, connection: Connection): void {
    const routes = this.#routes.get(stream);
    const key = peerKey({ host, port });
    if (routes?.get(key)?.connection !== connection) return;
    routes.delete(key);
    if (routes.size > 0) return;
    this.#routes.delete(stream);
    this.#crossCentral?.stopListening(stream);
  }
}
