import { DEFAULT_SLOT_IDLE_MS, DEFAULT_SLOT_ROTATE_MS, DEFAULT_SLOT_WAIT_MS, DEFAULT_UPLOAD_SLOTS } from './constants.js';
import { InvalidOptionError } from './errors.js';

export interface UploadSlotsOptions<P = unknown> {
  /**
   * Peers served at once.
   * @default 8
   */
  slots?: number;
  /**
   * A peer that has held its slot this long gives it up to the peer that has waited longest.
   * @default 10_000
   */
  rotateMs?: number;
  /**
   * A holder that has asked for nothing this long frees its slot.
   * @default 3_000
   */
  idleMs?: number;
  /**
   * A waiting peer that has not asked again for this long leaves the queue, so a
   * free slot is not held back for a peer that went elsewhere.
   * @default 1_000
   */
  waitMs?: number;
  /**
   * Whether a holder is not draining what it is sent (its connection's send queue
   * is at or over the high-water mark): it loses its slot as soon as another peer
   * waits for one. Without it, no holder is taken for stalled.
   */
  isStalled?: (peer: P) => boolean;
}

interface Holder {
  grantedAt: number;
  lastUsedAt: number;
}

interface Waiter {
  lastAskedAt: number;
}

/**
 * Which peers this server uploads to right now: at most `slots` at once, so its
 * upload goes to a few peers fast (who then re-share) rather than to every peer
 * slowly. Peers turned away wait in a queue in the order they first asked; a
 * slot that frees (its holder went quiet, left, stopped draining, or has held it
 * for `rotateMs`) goes to the peer at the head of that queue — never to
 * whichever peer happens to ask most often. Bookkeeping only: time is passed in.
 */
export class UploadSlots<P> {
  readonly slots: number;
  readonly rotateMs: number;
  readonly idleMs: number;
  readonly waitMs: number;
  readonly #isStalled: ((peer: P) => boolean) | undefined;
  readonly #holders = new Map<P, Holder>();
  /** In the order they first asked: the head has waited longest. */
  readonly #waiting = new Map<P, Waiter>();
  #refused = 0;
  #rotations = 0;
  #revoked = 0;

  constructor(options: UploadSlotsOptions<P> = {}) {
    this.slots = options.slots ?? DEFAULT_UPLOAD_SLOTS;
    this.rotateMs = options.rotateMs ?? DEFAULT_SLOT_ROTATE_MS;
    this.idleMs = options.idleMs ?? DEFAULT_SLOT_IDLE_MS;
    this.waitMs = options.waitMs ?? DEFAULT_SLOT_WAIT_MS;
    this.#isStalled = options.isStalled;
    if (!Number.isSafeInteger(this.slots) || this.slots < 1) throw new InvalidOptionError(`upload slots must be an integer >= 1, not ${this.slots}`);
    for (const [name, value] of [['rotateMs', this.rotateMs], ['idleMs', this.idleMs], ['waitMs', this.waitMs]] as const) {
      if (!(value > 0) || !Number.isFinite(value)) throw new InvalidOptionError(`${name} must be a positive number of ms, not ${value}`);
    }
  }

  /** Peers holding a slot. */
  get holders(): readonly P[] {
    return [...this.#holders.keys()];
  }

  /** Peers waiting for a slot, longest first. */
  get waiting(): readonly P[] {
    return [...this.#waiting.keys()];
  }

  /** Times a peer was turned away, a slot changed hands by rotation, and a stalled holder lost its slot. */
  get counters(): { refused: number; rotations: number; revoked: number } {
    return { refused: this.#refused, rotations: this.#rotations, revoked: this.#revoked };
  }

  holds(peer: P): boolean {
    return this.#holders.has(peer);
  }

  /**
   * Whether `peer` may be served now: it holds a slot, or a slot is free (or due
   * to rotate) and no peer that has waited longer is still asking. A peer turned
   * away joins the queue, or keeps its place in it.
   */
  acquire(peer: P, now: number): boolean {
    const held = this.#holders.get(peer);
    if (held) {
      held.lastUsedAt = now;
      return true;
    }
    const waiter = this.#waiting.get(peer);
    if (waiter) waiter.lastAskedAt = now;
    else this.#waiting.set(peer, { lastAskedAt: now });
    this.#expire(now);
    let free = this.slots - this.#holders.size;
    if (free <= 0 && this.#headOfQueue() === peer && this.#rotate(now)) free = 1;
    if (free <= 0 || this.#placeInQueue(peer) >= free) {
      this.#refused += 1;
      return false;
    }
    this.#waiting.delete(peer);
    this.#holders.set(peer, { grantedAt: now, lastUsedAt: now });
    return true;
  }

  /** The peer left: its slot is free, and it waits no more. */
  release(peer: P): void {
    this.#holders.delete(peer);
    this.#waiting.delete(peer);
  }

  /** Frees the slots of quiet holders (and of stalled ones, since a peer waits), and drops waiters that stopped asking for `waitMs`. */
  #expire(now: number): void {
    for (const [waiter, { lastAskedAt }] of this.#waiting) {
      if (now - lastAskedAt >= this.waitMs) this.#waiting.delete(waiter);
    }
    for (const [holder, { lastUsedAt }] of this.#holders) {
      if (now - lastUsedAt >= this.idleMs) {
        this.#holders.delete(holder);
      } else if (this.#isStalled?.(holder)) {
        this.#holders.delete(holder);
        this.#revoked += 1;
      }
    }
  }

  /** Takes the slot of the longest holder if it has had it for `rotateMs`. */
  #rotate(now: number): boolean {
    let oldest: P | undefined;
    let since = Infinity;
    for (const [holder, { grantedAt }] of this.#holders) {
      if (grantedAt < since) [oldest, since] = [holder, grantedAt];
    }
    if (oldest === undefined || now - since < this.rotateMs) return false;
    this.#holders.delete(oldest);
    this.#rotations += 1;
    return true;
  }

  #headOfQueue(): P | undefined {
    for (const waiter of this.#waiting.keys()) return waiter;
    return undefined;
  }

  #placeInQueue(peer: P): number {
    let place = 0;
    for (const waiter of this.#waiting.keys()) {
      if (waiter === peer) return place;
      place += 1;
    }
    return place;
  }
}
