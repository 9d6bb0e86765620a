import { DEFAULT_SLOT_IDLE_MS, DEFAULT_SLOT_ROTATE_MS, DEFAULT_UPLOAD_SLOTS } from './constants.js';
import { InvalidOptionError } from './errors.js';

export interface UploadSlotsOptions {
  /**
   * Peers served at once.
   * @default 8
   */
  slots?: number;
  /**
   * A peer that has held its slot this long gives it up to a peer that asks and has none.
   * @default 10_000
   */
  rotateMs?: number;
  /**
   * A holder that has asked for nothing this long frees its slot.
   * @default 3_000
   */
  idleMs?: number;
}

interface Holder {
  grantedAt: number;
  lastUsedAt: number;
}

/**
 * Which peers this server uploads to right now: at most `slots` at once, so its
 * upload goes to a few peers fast (who then re-share) rather than to every peer
 * slowly. A slot is freed when its holder goes quiet or leaves, and a holder
 * that has had its slot for `rotateMs` loses it to the next peer that asks, so
 * newcomers are served too. Bookkeeping only: time is passed in.
 */
export class UploadSlots<P> {
  readonly slots: number;
  readonly rotateMs: number;
  readonly idleMs: number;
  readonly #holders = new Map<P, Holder>();
  #refused = 0;
  #rotations = 0;

  constructor(options: UploadSlotsOptions = {}) {
    this.slots = options.slots ?? DEFAULT_UPLOAD_SLOTS;
    this.rotateMs = options.rotateMs ?? DEFAULT_SLOT_ROTATE_MS;
    this.idleMs = options.idleMs ?? DEFAULT_SLOT_IDLE_MS;
    if (!Number.isSafeInteger(this.slots) || this.slots < 1) throw new InvalidOptionError(`upload slots must be an integer >= 1, not ${this.slots}`);
    for (const [name, value] of [['rotateMs', this.rotateMs], ['idleMs', this.idleMs]] as const) {
      if (!(value > 0) || !Number.isFinite(value)) throw new InvalidOptionError(`${name} must be a positive number of ms, not ${value}`);
    }
  }

  /** Peers holding a slot. */
  get holders(): readonly P[] {
    return [...this.#holders.keys()];
  }

  /** Times a peer was turned away, and times a slot changed hands by rotation. */
  get counters(): { refused: number; rotations: number } {
    return { refused: this.#refused, rotations: this.#rotations };
  }

  holds(peer: P): boolean {
    return this.#holders.has(peer);
  }

  /**
   * Whether `peer` may be served now: it holds a slot, one is free, or the
   * longest holder has had its slot for `rotateMs` and gives it up to `peer`.
   */
  acquire(peer: P, now: number): boolean {
    const held = this.#holders.get(peer);
    if (held) {
      held.lastUsedAt = now;
      return true;
    }
    for (const [holder, { lastUsedAt }] of this.#holders) {
      if (now - lastUsedAt >= this.idleMs) this.#holders.delete(holder);
    }
    if (this.#holders.size >= this.slots) {
      const [oldest, since] = this.#oldest();
      if (oldest === undefined || now - since < this.rotateMs) {
        this.#refused += 1;
        return false;
      }
      this.#holders.delete(oldest);
      this.#rotations += 1;
    }
    this.#holders.set(peer, { grantedAt: now, lastUsedAt: now });
    return true;
  }

  /** The peer left: its slot is free. */
  release(peer: P): void {
    this.#holders.delete(peer);
  }

  #oldest(): [P | undefined, number] {
    let oldest: P | undefined;
    let since = Infinity;
    for (const [holder, { grantedAt }] of this.#holders) {
      if (grantedAt < since) [oldest, since] = [holder, grantedAt];
    }
    return [oldest, since];
  }
}
