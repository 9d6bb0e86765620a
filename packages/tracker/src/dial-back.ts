import { connect } from 'node:net';
import { DEFAULT_DIAL_BACK_TIMEOUT_MS, DEFAULT_MAX_DIAL_BACKS } from './constants.js';

/**
 * Whether `host:port` takes a connection from here: resolves true or false,
 * never rejects, and gives up when `signal` aborts (false).
 */
export type ReachabilityProbe = (host: string, port: number, signal: AbortSignal) => Promise<boolean>;

export interface DialBackOptions {
  /**
   * How long one dial-back may take before the entry counts as unreachable
   * (a NAT drops the connection attempt, so only the timeout ends it). 0 turns dial-backs off.
   * @default 2_000
   */
  timeout?: number;
  /**
   * Dial-backs in flight at once; an announce that finds them all busy is not
   * dialed back (its entry stays "not known") and is tried again at its next announce.
   * @default 32
   */
  maxConcurrent?: number;
  /** @default a TCP connect from this host, closed as soon as it opens */
  probe?: ReachabilityProbe;
}

/** Dial-backs and what they found, for the status page, `--stats` and metrics. */
export interface DialBackCounters {
  reachable: number;
  unreachable: number;
  /** Not dialed back because `maxConcurrent` were in flight. */
  busy: number;
}

/**
 * Central's dial-backs: whether a peer can be dialed at the port it announced.
 * At most `maxConcurrent` at once, each bounded by `timeout`, so a flood of
 * announces costs central a bounded number of sockets and no more time.
 */
export class DialBack {
  readonly counters: DialBackCounters = { reachable: 0, unreachable: 0, busy: 0 };
  readonly timeout: number;
  readonly maxConcurrent: number;
  readonly #probe: ReachabilityProbe;
  #inFlight = 0;

  constructor(options: DialBackOptions = {}) {
    this.timeout = options.timeout ?? DEFAULT_DIAL_BACK_TIMEOUT_MS;
    this.maxConcurrent = options.maxConcurrent ?? DEFAULT_MAX_DIAL_BACKS;
    this.#probe = options.probe ?? tcpProbe;
    if (!(Number.isSafeInteger(this.timeout) && this.timeout >= 0)) {
      throw new RangeError(`the dial-back timeout is a whole number of ms from 0 (0: no dial-backs), not ${this.timeout}`);
    }
    if (!(Number.isSafeInteger(this.maxConcurrent) && this.maxConcurrent >= 1)) {
      throw new RangeError(`dial-backs at once is an integer from 1, not ${this.maxConcurrent}`);
    }
  }

  /** Dial-backs are on (a timeout above 0). */
  get enabled(): boolean {
    return this.timeout > 0;
  }

  /** Dial-backs in flight now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Whether `host:port` took a connection; undefined when dial-backs are off or all busy (not tried). */
  async dial(host: string, port: number): Promise<boolean | undefined> {
    if (!this.enabled) return undefined;
    if (this.#inFlight >= this.maxConcurrent) {
      this.counters.busy += 1;
      return undefined;
    }
    this.#inFlight += 1;
    try {
      const reachable = await this.#probe(host, port, AbortSignal.timeout(this.timeout));
      this.counters[reachable ? 'reachable' : 'unreachable'] += 1;
      return reachable;
    } finally {
      this.#inFlight -= 1;
    }
  }
}

/** A TCP connect: reachable once it opens (closed at once: the peer's server sees a connection that said nothing). */
export const tcpProbe: ReachabilityProbe = (host, port, signal) =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const socket = connect({ host, port });
    const done = (reachable: boolean) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(reachable);
    };
    const onAbort = () => done(false);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
