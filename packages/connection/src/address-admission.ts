import type { Clock } from '@p2pstream/units';

/** What per-address admission is configured with (a subset of the server limits). */
export interface AddressAdmissionLimits {
  readonly maxConnectionsPerIp: number;
  readonly maxPendingHandshakesPerIp: number;
  readonly connectRatePerIp: number;
  readonly connectBurstPerIp: number;
}

interface GroupState {
  /** Connections held, handshaking or open. */
  connections: number;
  /** Of those, still in their handshake. */
  handshaking: number;
  /** New-connection tokens left at `refilledAt`. */
  tokens: number;
  refilledAt: number;
}

/** Why a new connection from an address group is refused, or undefined when it may come in. */
export type AddressRefusal = 'connections' | 'handshakes' | 'rate';

/**
 * Per-address bookkeeping of a server: connections and handshakes each address
 * group holds, and a token bucket of new connections per group, so one address
 * cannot take the server's shared pools (pending handshakes, connections) by
 * re-opening sockets as fast as deadlines cut them. Bookkeeping only, no I/O.
 * Groups that hold nothing and whose bucket is full again are forgotten, so the
 * table grows only with addresses that are active right now.
 */
export class AddressAdmission {
  readonly #limits: AddressAdmissionLimits;
  readonly #clock: Clock;
  readonly #groups = new Map<string, GroupState>();

  constructor(limits: AddressAdmissionLimits, clock: Clock) {
    this.#limits = limits;
    this.#clock = clock;
  }

  /** Address groups the table holds state for. */
  get size(): number {
    return this.#groups.size;
  }

  /** Connections `group` holds. */
  connections(group: string): number {
    return this.#groups.get(group)?.connections ?? 0;
  }

  /**
   * Admits a new connection from `group` (counting it as handshaking and taking a
   * token), or says why not; a refused attempt takes no token.
   */
  admit(group: string): AddressRefusal | undefined {
    const now = this.#clock.now();
    const state = this.#refilled(group, now);
    if (state.connections >= this.#limits.maxConnectionsPerIp) return 'connections';
    if (state.handshaking >= this.#limits.maxPendingHandshakesPerIp) return 'handshakes';
    if (state.tokens < 1) return 'rate';
    state.tokens -= 1;
    state.connections += 1;
    state.handshaking += 1;
    this.#groups.set(group, state);
    return undefined;
  }

  /** An admitted connection of `group` finished its handshake. */
  opened(group: string): void {
    const state = this.#groups.get(group);
    if (state && state.handshaking > 0) state.handshaking -= 1;
  }

  /** An admitted connection of `group` closed; `handshaking` when it closed before its handshake finished. */
  closed(group: string, handshaking: boolean): void {
    const state = this.#groups.get(group);
    if (!state) return;
    state.connections = Math.max(0, state.connections - 1);
    if (handshaking && state.handshaking > 0) state.handshaking -= 1;
    this.#forgetIfIdle(group, this.#refilled(group, this.#clock.now()));
  }

  /** Seconds until `group` may open a connection again under the rate limit (0 when it may now). */
  waitSeconds(group: string): number {
    const state = this.#refilled(group, this.#clock.now());
    return state.tokens >= 1 ? 0 : (1 - state.tokens) / this.#limits.connectRatePerIp;
  }

  /** Drops every group that holds nothing and whose bucket is full: it is as if never seen. */
  sweep(): void {
    const now = this.#clock.now();
    for (const group of [...this.#groups.keys()]) this.#forgetIfIdle(group, this.#refilled(group, now));
  }

  #refilled(group: string, now: number): GroupState {
    const { connectBurstPerIp: burst, connectRatePerIp: rate } = this.#limits;
    const state = this.#groups.get(group) ?? { connections: 0, handshaking: 0, tokens: burst, refilledAt: now };
    state.tokens = Math.min(burst, state.tokens + ((now - state.refilledAt) / 1000) * rate);
    state.refilledAt = now;
    return state;
  }

  #forgetIfIdle(group: string, state: GroupState): void {
    if (state.connections === 0 && state.tokens >= this.#limits.connectBurstPerIp) this.#groups.delete(group);
  }
}
