import { normalizeAddress } from './address.js';
import { addressGroup } from './address-group.js';
import { monotonicClock, type Clock } from '@p2pstream/units';
import { DEFAULT_BAN_MS, DEFAULT_BAN_THRESHOLD } from './constants.js';

export interface AddressBansOptions {
  /**
   * Score at which an address is banned.
   * @default 100
   */
  threshold?: number;
  /**
   * How long a ban lasts; a score also decays by `threshold` over this time, so
   * rare misbehaviour is forgotten and only a burst of it bans.
   * @default 600_000 (10 minutes)
   */
  banMs?: number;
  /** @default monotonicClock */
  clock?: Clock;
}

interface Standing {
  score: number;
  scoredAt: number;
  bannedUntil: number;
}

/** The score decays in steps of this many milliseconds. */
const DECAY_STEP_MS = 1000;

/** Entries beyond this many trigger a sweep of the forgotten ones. */
const SWEEP_ABOVE = 4096;

/**
 * Misbehaviour scores by address, and the bans they lead to: each penalty adds
 * points (a bad chunk: the whole threshold; a protocol violation: a part of it),
 * the score decays over time, and an address that reaches the threshold is
 * banned for `banMs`. Keyed by address, not host:port — a banned peer does not
 * come back on another port — with an IPv6 address counted by its /64.
 * Bookkeeping only: a server refuses banned addresses, a client does not dial them.
 */
export class AddressBans {
  readonly threshold: number;
  readonly banMs: number;
  readonly #clock: Clock;
  readonly #standings = new Map<string, Standing>();

  constructor(options: AddressBansOptions = {}) {
    this.threshold = options.threshold ?? DEFAULT_BAN_THRESHOLD;
    this.banMs = options.banMs ?? DEFAULT_BAN_MS;
    this.#clock = options.clock ?? monotonicClock;
    if (!(this.threshold > 0) || !Number.isFinite(this.threshold)) throw new RangeError(`ban threshold must be a positive number, not ${this.threshold}`);
    if (!(this.banMs > 0) || !Number.isFinite(this.banMs)) throw new RangeError(`banMs must be a positive number of ms, not ${this.banMs}`);
  }

  /** Addresses with a score or a ban right now. */
  get size(): number {
    return this.#standings.size;
  }

  /** Adds `points` to the address's score; returns true when that bans it (or it was banned already). */
  penalize(address: string, points: number): boolean {
    const now = this.#clock.now();
    const key = addressGroup(normalizeAddress(address));
    const standing = this.#decayed(key, now) ?? { score: 0, scoredAt: now, bannedUntil: 0 };
    standing.score += points;
    if (standing.score >= this.threshold) {
      standing.bannedUntil = now + this.banMs;
      standing.score = 0;
    }
    this.#standings.set(key, standing);
    if (this.#standings.size > SWEEP_ABOVE) this.#sweep(now);
    return standing.bannedUntil > now;
  }

  /** Whether the address is banned now. */
  banned(address: string): boolean {
    const now = this.#clock.now();
    const standing = this.#decayed(addressGroup(normalizeAddress(address)), now);
    return standing !== undefined && standing.bannedUntil > now;
  }

  /** Milliseconds until the address's ban ends (0 when it is not banned). */
  remainingMs(address: string): number {
    const now = this.#clock.now();
    const standing = this.#decayed(addressGroup(normalizeAddress(address)), now);
    return standing === undefined ? 0 : Math.max(0, standing.bannedUntil - now);
  }

  #decayed(key: string, now: number): Standing | undefined {
    const standing = this.#standings.get(key);
    if (!standing) return undefined;
    // In whole seconds: penalties that come together add up exactly, not eroded by microseconds between them.
    const elapsed = Math.floor((now - standing.scoredAt) / DECAY_STEP_MS) * DECAY_STEP_MS;
    standing.score = Math.max(0, standing.score - (elapsed * this.threshold) / this.banMs);
    standing.scoredAt += elapsed;
    if (standing.score === 0 && standing.bannedUntil <= now) {
      this.#standings.delete(key);
      return undefined;
    }
    return standing;
  }

  #sweep(now: number): void {
    for (const key of [...this.#standings.keys()]) this.#decayed(key, now);
  }
}
