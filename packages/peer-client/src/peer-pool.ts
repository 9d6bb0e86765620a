import { AddressBans, VIOLATION_PENALTY, type CloseReason, type Connection } from '@p2pstream/connection/browser';
import type { PeerEntry } from '@p2pstream/wire';
import { FEW_PEERS, FEW_PEERS_LOOKUPS_FOR_MS, MAX_REMEMBERED_FAILURES, MIN_LOOKUP_INTERVAL_MS, SECOND_CONNECTION_GRACE_MS } from './constants.js';
import { PeerLink, peerAddress, type PeerLinkOptions } from './peer-link.js';
import type { ClientTracker } from './tracker.js';
import type { Clock } from '@p2pstream/units';

/** Why a connection the client closed counts against the peer's address: an honest peer never does these. */
const PROTOCOL_VIOLATIONS: ReadonlySet<string> = new Set([
  'PROTOCOL_VIOLATION',
  'MALFORMED',
  'INVALID_FIELD',
  'UNKNOWN_TYPE',
  'FRAME_TOO_LARGE',
  // Over a symmetric connection the peer also asks of this one: floods and stalled frames count as they do at a server.
  'TOO_MANY_REQUESTS',
  'FRAME_TIMEOUT',
]);

export interface PeerPoolOptions {
  name: string;
  tracker: ClientTracker;
  maxPeers: number;
  relookupMs: number;
  /** Instead of `relookupMs` while fewer than FEW_PEERS peers are connected, in the first FEW_PEERS_LOOKUPS_FOR_MS; 0: never. */
  fewPeersRelookupMs: number;
  redialBackoffMs: number;
  /**
   * The port this peer's own server listens on, when peers dial it and it joins back over their connections
   * (symmetric connections): two peers that dialed each other keep the connection dialed by the one on the
   * lower port. Without it both connections stay, each carrying one direction.
   */
  ownPort?: number | undefined;
  link: PeerLinkOptions;
  clock: Clock;
  /**
   * A peer was dialed and joined; the owner activates it. `replaced` is the link to the same peer it takes over
   * from (a pair's second connection on its way out), already out of `links`: its requests in flight finish there.
   */
  onLink(link: PeerLink, replaced?: PeerLink): void;
  onWarning(error: Error): void;
}

/**
 * The peers a client fetches from: it dials what central lists (up to
 * `maxPeers`), asks central again while short of peers, never dials a banned
 * address again, and rests an address that failed before dialing it again.
 */
export class PeerPool {
  readonly links = new Map<string, PeerLink>();
  readonly #options: PeerPoolOptions;
  readonly #dialing = new Set<string>();
  /** Connections peers dialed here that this pool is joining back over. */
  #adopting = 0;
  /** Connections this pool dialed to a peer it now reaches over the peer's own: closed once the peer has moved off them. */
  readonly #leaving = new Map<PeerLink, unknown>();
  readonly #bans: AddressBans;
  readonly #restingUntil = new Map<string, number>();
  /**
   * One controller per look-up or dial in progress, aborted by `close()`. Not one
   * shared signal: a listener per dial on it would pass Node's limit of 10
   * (MaxListenersExceededWarning) whenever more than 10 dials are pending at once.
   */
  readonly #inProgress = new Set<AbortController>();
  #lastLookupAt = -Infinity;
  #startedAt = 0;
  #lookingUp = false;
  #timer: unknown;
  #timerAt = Infinity;
  #closed = false;

  constructor(options: PeerPoolOptions) {
    this.#options = options;
    this.#bans = new AddressBans({ clock: options.clock });
  }

  /** Addresses not dialed again (by host: a banned peer does not come back on another port) until their ban expires. */
  get bans(): AddressBans {
    return this.#bans;
  }

  /** Dials peers from a look-up's list and keeps the pool topped up from then on. */
  start(peers: readonly PeerEntry[]): void {
    this.#lastLookupAt = this.#startedAt = this.#options.clock.now();
    this.#dialFrom(peers);
    this.#schedule(this.#relookupMs());
  }

  /**
   * Drops a connected peer; `ban` means its host is not dialed again until the ban expires, otherwise it rests
   * for the redial backoff. Returns false, having done nothing, when the peer is not connected (dropped already).
   */
  drop(address: string, options: { ban?: boolean } = {}): boolean {
    const link = this.links.get(address);
    if (!link) return false;
    if (options.ban) this.#bans.penalize(hostOf(address), this.#bans.threshold);
    else this.#rest(address);
    this.links.delete(address);
    void link.close(options.ban ? { code: 'BAD_CHUNK', message: 'you sent a chunk that does not verify' } : undefined);
    this.#soon();
    return true;
  }

  /**
   * Fetches over a connection a peer dialed to this one's server (symmetric connections): joins back over it
   * instead of dialing that peer a second time. Nothing happens when the pool is full or closed, or the peer's
   * host is banned; a peer that does not serve over it (an older one) leaves it one-way, and an address already
   * linked keeps its link.
   */
  adopt(connection: Connection): void {
    if (this.#closed || this.#room <= 0 || this.#bans.banned(connection.remoteAddress)) return;
    void this.#adopt(connection);
  }

  /** Adds `points` to the score of the peer's host; at the threshold it is banned like the sender of a bad chunk. */
  penalize(address: string, points: number): void {
    this.#bans.penalize(hostOf(address), points);
  }

  /**
   * A link closed on its own (the peer left or failed): it rests, and a peer that broke the protocol (an
   * `ended` of the old protocol, a malformed frame) scores towards a ban. Returns false, having done
   * nothing, for a link the pool no longer holds (one the client dropped itself, already taken out and reported).
   */
  closed(link: PeerLink, reason: CloseReason): boolean {
    if (this.links.get(link.address) !== link) return false;
    this.links.delete(link.address);
    this.#rest(link.address);
    this.#soon();
    if (!reason.byRemote && PROTOCOL_VIOLATIONS.has(reason.code)) this.penalize(link.address, VIOLATION_PENALTY);
    return true;
  }

  /** Stops dialing and looking up, and closes every link. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const controller of this.#inProgress) controller.abort();
    this.#inProgress.clear();
    this.#options.clock.clearTimeout(this.#timer);
    for (const timer of this.#leaving.values()) this.#options.clock.clearTimeout(timer);
    const links = [...this.links.values(), ...this.#leaving.keys()];
    this.#leaving.clear();
    this.links.clear();
    await Promise.all(links.map((link) => link.close()));
  }

  get #room(): number {
    return this.#options.maxPeers - this.links.size - this.#dialing.size - this.#adopting;
  }

  /** Tops up soon, but never asks central more than once per MIN_LOOKUP_INTERVAL_MS. */
  #soon(): void {
    const wait = Math.max(0, this.#lastLookupAt + MIN_LOOKUP_INTERVAL_MS - this.#options.clock.now());
    this.#schedule(wait);
  }

  #schedule(wait: number): void {
    if (this.#closed) return;
    const clock = this.#options.clock;
    const at = clock.now() + wait;
    if (at >= this.#timerAt) return;
    clock.clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = clock.setTimeout(() => {
      this.#timerAt = Infinity;
      void this.#topUp();
    }, wait);
  }

  async #topUp(): Promise<void> {
    if (this.#closed) return;
    if (this.#room > 0 && !this.#lookingUp) {
      this.#lookingUp = true;
      this.#lastLookupAt = this.#options.clock.now();
      const controller = this.#track();
      try {
        const { peers } = await this.#options.tracker.lookup(this.#options.name, { signal: controller.signal });
        this.#dialFrom(peers);
      } catch (error) {
        if (!this.#closed) this.#options.onWarning(error instanceof Error ? error : new Error(String(error)));
      } finally {
        this.#inProgress.delete(controller);
        this.#lookingUp = false;
      }
    }
    this.#schedule(this.#relookupMs());
  }

  /**
   * When to ask central again: soon while a new viewer has few peers (dials in progress count, as
   * their answers are on the way), otherwise at the usual pace.
   */
  #relookupMs(): number {
    const { fewPeersRelookupMs, relookupMs, clock } = this.#options;
    const few = this.links.size + this.#dialing.size < FEW_PEERS && clock.now() - this.#startedAt < FEW_PEERS_LOOKUPS_FOR_MS;
    return few && fewPeersRelookupMs > 0 ? Math.min(fewPeersRelookupMs, relookupMs) : relookupMs;
  }

  #dialFrom(peers: readonly PeerEntry[]): void {
    const now = this.#options.clock.now();
    for (const { host, port } of peers) {
      if (this.#closed || this.#room <= 0) return;
      const address = peerAddress(host, port);
      if (this.links.has(address) || this.#dialing.has(address) || this.#bans.banned(host)) continue;
      if ((this.#restingUntil.get(address) ?? 0) > now) continue;
      void this.#dial(host, port, address);
    }
  }

  async #dial(host: string, port: number, address: string): Promise<void> {
    this.#dialing.add(address);
    const controller = this.#track();
    try {
      const link = await PeerLink.open(host, port, { ...this.#options.link, signal: controller.signal });
      if (this.#closed || this.#bans.banned(host)) {
        await link.close();
        return;
      }
      const linked = this.links.get(address);
      if (!linked) {
        this.links.set(address, link);
        this.#options.onLink(link);
      } else if (this.#keepsOwnDial(address) === true) {
        // Linked meanwhile over a connection the peer dialed here, while it dialed this one: both keep this one.
        this.#replace(linked, link);
      } else {
        this.#secondConnection(link);
      }
    } catch {
      // Unreachable, full, or no longer carrying the stream: rest it; central lists others.
      this.#rest(address);
    } finally {
      this.#inProgress.delete(controller);
      this.#dialing.delete(address);
    }
  }

  async #adopt(connection: Connection): Promise<void> {
    this.#adopting += 1;
    const controller = this.#track();
    try {
      const link = await PeerLink.adopt(connection, { ...this.#options.link, signal: controller.signal });
      const linked = this.links.get(link.address);
      if (this.#closed || this.#bans.banned(connection.remoteAddress)) {
        link.detach();
      } else if (!linked) {
        this.links.set(link.address, link);
        this.#options.onLink(link);
      } else if (linked.dialedHere && this.#keepsOwnDial(link.address) === false) {
        // The peer dialed here while this pool dialed it: both keep the peer's connection.
        this.#replace(linked, link);
      } else {
        link.detach();
      }
    } catch {
      // An older peer (UNHANDLED_REQUEST), one with symmetric connections off, or another session: the connection stays one-way.
    } finally {
      this.#inProgress.delete(controller);
      this.#adopting -= 1;
    }
  }

  /**
   * Which of two connections between this peer and the one at `address` (each dialed by one of them) both
   * keep: the one dialed by the peer on the lower listening port. Each side knows both ports (its own, and the
   * peer's from central's list or from the map of a peer that joined back), so both decide alike wherever NAT
   * puts them. `undefined`: equal ports, or no port of its own to compare, decide nothing, and both stay.
   */
  #keepsOwnDial(address: string): boolean | undefined {
    const own = this.#options.ownPort;
    const theirs = Number(address.slice(address.lastIndexOf(':') + 1));
    return own === undefined || own === theirs ? undefined : own < theirs;
  }

  /**
   * `fresh` takes over from `linked` (to the same peer): fetching moves to it, the old link's answers in flight
   * still arrive, and its connection goes as a second one does.
   */
  #replace(linked: PeerLink, fresh: PeerLink): void {
    this.#secondConnection(linked);
    fresh.bytes = linked.bytes;
    this.links.set(fresh.address, fresh);
    this.#options.onLink(fresh, linked);
  }

  /**
   * A connection to a peer this pool also reaches over another: it stops fetching over it, and one it dialed
   * and the peer drops too (see #keepsOwnDial) is closed once the peer has had time to move its own fetching off
   * it. With equal ports nobody closes it: each side fetches over the connection it got first.
   */
  #secondConnection(link: PeerLink): void {
    link.detach();
    if (!link.dialedHere || this.#keepsOwnDial(link.address) !== false) return;
    const timer = this.#options.clock.setTimeout(() => {
      this.#leaving.delete(link);
      void link.close({ code: 'SECOND_CONNECTION', message: 'this pair of peers keeps the other connection' });
    }, SECOND_CONNECTION_GRACE_MS);
    this.#leaving.set(link, timer);
  }

  /** A controller for one look-up or dial, aborted if the pool closes before it is done. */
  #track(): AbortController {
    const controller = new AbortController();
    this.#inProgress.add(controller);
    return controller;
  }

  #rest(address: string): void {
    const restingUntil = this.#restingUntil;
    const now = this.#options.clock.now();
    if (restingUntil.size >= MAX_REMEMBERED_FAILURES) {
      for (const [known, until] of restingUntil) if (until <= now) restingUntil.delete(known);
      if (restingUntil.size >= MAX_REMEMBERED_FAILURES) restingUntil.delete(restingUntil.keys().next().value!);
    }
    restingUntil.delete(address);
    restingUntil.set(address, now + this.#options.redialBackoffMs);
  }
}

/** The host of a `peerAddress` (`host:port`, `[v6]:port`). */
function hostOf(address: string): string {
  return address.slice(0, address.lastIndexOf(':')).replace(/^\[(.*)\]$/, '$1');
}
