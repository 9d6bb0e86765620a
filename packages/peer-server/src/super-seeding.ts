import type { Clock, TimerHandle } from '@p2pstream/units';

export interface SuperSeedingOptions<Peer> {
  /** How long a chunk given to one peer is held back from the others. */
  holdMs: number;
  clock: Clock;
  /** Whether `peer` is still joined to the stream: a first recipient that left passes nothing on, so holding back for it would only slow the others. */
  isJoined(peer: Peer): boolean;
  /** Tells `peer`, refused `seq` while it was held back, that this server has it after all (a `have`). */
  reannounce(peer: Peer, seq: number): void;
}

/** Who got a chunk first and when, and who was refused it meanwhile. */
interface Offer<Peer> {
  readonly peer: Peer;
  /** When it was queued for `peer`, then when it left: the hold runs from here. */
  at: number;
  refused: Set<Peer> | undefined;
  timer: TimerHandle | undefined;
}

/**
 * BitTorrent's super-seeding for a finished stream's source: each chunk goes to
 * one peer first, and for `holdMs` after that a request from another peer for it
 * is refused, so the source's upload goes into chunks nobody has yet and the
 * peers pass the others between themselves. Without it, several viewers started
 * together ask the source for the same chunks at once and it sends 2–3 copies of
 * the stream (npm run bench:vod, see the peer-client README).
 *
 * A refusal says NOT_HELD: the viewer forgets, for that chunk only, that this server
 * has it and asks a peer that announces it, with no rest for its other requests
 * here (BUSY would rest the whole source). A viewer that reaches no such peer is
 * told `have` again when the hold ends, so it waits at most `holdMs` for that
 * chunk, fetching others from the source meanwhile. A requester alone on the
 * stream is never refused, so one viewer is never slowed.
 *
 * I/O-free: the server asks `admits()` and reports what it queued (`offered()`) and sent (`sent()`).
 */
export class SuperSeeding<Peer> {
  readonly #options: SuperSeedingOptions<Peer>;
  /** Chunks offered within the last `holdMs`, oldest first (each offer is re-inserted, so the order is by time). */
  readonly #offers = new Map<number, Offer<Peer>>();
  readonly #timers = new Set<TimerHandle>();

  constructor(options: SuperSeedingOptions<Peer>) {
    this.#options = options;
  }

  /**
   * Whether `peer` may have `seq` now: yes unless it went to another peer that is
   * still joined less than `holdMs` ago. A refused peer is remembered, and told
   * `have` when the hold ends.
   */
  admits(peer: Peer, seq: number): boolean {
    const offer = this.#current(seq);
    if (!offer || offer.peer === peer || !this.#options.isJoined(offer.peer)) return true;
    (offer.refused ??= new Set()).add(peer);
    offer.timer ??= this.#reannounceAt(offer, seq);
    return false;
  }

  /** `seq` was queued for `peer`: unless it is held for another, `peer` is its first recipient from now. */
  offered(peer: Peer, seq: number): void {
    if (!this.#current(seq)) this.#hold(peer, seq);
  }

  /**
   * `seq` left for `peer`: the hold starts again from now, so the time it waited in the
   * queue (seconds, when the source's uplink is full) does not eat into the time
   * `peer` has to pass it on, and the others are not sent it meanwhile.
   */
  sent(peer: Peer, seq: number): void {
    const offer = this.#current(seq);
    if (offer && offer.peer !== peer) return;
    if (!offer) return this.#hold(peer, seq);
    offer.at = this.#options.clock.now();
    this.#offers.delete(seq);
    this.#offers.set(seq, offer);
    if (offer.timer === undefined) return;
    this.#options.clock.clearTimeout(offer.timer);
    this.#timers.delete(offer.timer);
    offer.timer = this.#reannounceAt(offer, seq);
  }

  /** Stops every pending re-announcement (the stream is no longer served). */
  close(): void {
    for (const timer of this.#timers) this.#options.clock.clearTimeout(timer);
    this.#timers.clear();
    this.#offers.clear();
  }

  #hold(peer: Peer, seq: number): void {
    const now = this.#options.clock.now();
    this.#forgetBefore(now - this.#options.holdMs);
    this.#offers.delete(seq);
    this.#offers.set(seq, { peer, at: now, refused: undefined, timer: undefined });
  }

  /** The offer of `seq` still holding it back, if any. */
  #current(seq: number): Offer<Peer> | undefined {
    const offer = this.#offers.get(seq);
    if (!offer) return undefined;
    return this.#options.clock.now() - offer.at < this.#options.holdMs ? offer : undefined;
  }

  #reannounceAt(offer: Offer<Peer>, seq: number): TimerHandle {
    const { clock } = this.#options;
    const timer = clock.setTimeout(
      () => {
        this.#timers.delete(timer);
        if (this.#offers.get(seq) === offer) this.#offers.delete(seq);
        for (const peer of offer.refused ?? []) if (this.#options.isJoined(peer)) this.#options.reannounce(peer, seq);
      },
      offer.at + this.#options.holdMs - clock.now(),
    );
    this.#timers.add(timer);
    return timer;
  }

  /** Drops offers made before `time`; those with refused peers go when their re-announcement fires. */
  #forgetBefore(time: number): void {
    for (const [seq, offer] of this.#offers) {
      if (offer.at > time) return;
      if (offer.timer === undefined) this.#offers.delete(seq);
    }
  }
}
