/**
 * Where central keeps the swarm: which name is bound to which publisher key,
 * and which peers announced which stream until when. Two implementations pass
 * one conformance suite: `MemoryRegistry` (one process) and `RedisRegistry`
 * (several central processes share one swarm).
 *
 * A registry stores facts with the times it is given and decides nothing:
 * the tracker computes expiry times from its TTL and grace period, and passes
 * `now` (wall-clock ms) to every read, so tests drive time and several
 * central processes agree as far as their clocks do.
 */

import type { Clock } from '@p2pstream/units';
import type { AddressLimitPolicy, AddressLimitStore } from './address-limits.js';
import type { SignalPubSub } from './cross-central-signals.js';

/** A peer as central records it: the host it saw on the socket and the port the peer listens on. */
export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

/** A live entry: a peer and the live edge it announced. */
export interface PeerRecord extends PeerAddress {
  readonly edge: number;
}

/** An entry a look-up may pick: whether it is the publisher's own, and since when it has been announced. */
export interface Candidate extends PeerRecord {
  /** The publisher's own entry. */
  readonly source: boolean;
  /** Wall-clock ms of the announce that created the entry (renewals keep it): the longest-announced are hard to fake. */
  readonly since: number;
  /** Whether central could dial the entry back; absent while nobody knows (not tried yet, or dial-backs off). */
  readonly reachable?: boolean;
}

/** A stream as `list` and `lookup` show it. */
export interface StreamSummary {
  readonly name: string;
  /** The stream id: the publisher's raw Ed25519 public key in lowercase hex. */
  readonly stream: string;
  readonly live: boolean;
  /** Live (unexpired) entries. */
  readonly peers: number;
  /** Live entries other than the publisher's own: what `list` shows as viewers. */
  readonly viewers: number;
  /** The highest edge announced for the stream since it was last published. */
  readonly edge: number;
}

/** A verified publish: bind `name` to the key `stream`. */
export interface PublishRecord {
  readonly name: string;
  readonly stream: string;
  readonly live: boolean;
  /** The publisher's signed timestamp; a publish not newer than the last accepted one is a replay. */
  readonly ts: number;
  /** The session this publish starts (16 hex digits), signed with it; look-ups hand it to viewers. */
  readonly session: string;
}

export type PublishOutcome =
  | { readonly result: 'published' }
  /** The name is bound to `holder`, another key. */
  | { readonly result: 'name-taken'; readonly holder: string }
  /** The key already publishes under `name`. */
  | { readonly result: 'key-bound'; readonly name: string }
  /** `ts` is not newer than `lastTs`, the last publish accepted for the key. */
  | { readonly result: 'replayed'; readonly lastTs: number };

export interface AnnounceRecord extends PeerRecord {
  readonly stream: string;
  /** Wall-clock ms of this announce: the entry's `since` when it creates the entry. */
  readonly announcedAt: number;
  /** Wall-clock ms after which the entry is gone unless announced again. */
  readonly expiresAt: number;
  /** The stream stays in `list` at least until this time (raised, never lowered, by announces). */
  readonly visibleUntil: number;
  /** Sets the stream's live flag; only the stream's own publisher passes it. */
  readonly live?: boolean;
  /** The entry is the publisher's own (announced on the connection that published): it is not a viewer. */
  readonly source?: boolean;
  /**
   * Live entries one host may hold in the stream; a registry that caps them
   * (`capsEntriesPerHost`) refuses a new entry past it with `TOO_MANY_ENTRIES`.
   */
  readonly maxEntriesPerHost?: number;
  /** What a dial-back of the entry found, when one did; left out, the entry keeps what it had. */
  readonly reachable?: boolean;
}

export interface LookupCandidates {
  readonly stream: StreamSummary;
  /**
   * Live entries to sample from: all of them when there are at most
   * `maxCandidates`; otherwise `maxCandidates` at most: every source entry, the
   * longest-announced quarter, half with the highest edges, the rest picked at random.
   */
  readonly candidates: readonly Candidate[];
  /**
   * The session of the last publish accepted (16 hex digits); undefined for a
   * binding restored from a state file and not published since.
   */
  readonly session: string | undefined;
}

/** The publisher's newest signed head (or end) of a stream's current publish, verified by central. */
export interface HeadRecord {
  /** The publish session it was signed in (16 hex digits); a head of another session is not stored. */
  readonly session: string;
  readonly edge: number;
  /** The publisher's clock when it signed the head; a head is newer when this is. 0 for an end. */
  readonly ts: number;
  /** Central's clock when it took the head: how long the source has been silent. */
  readonly at: number;
  /** A signed end: the stream finished with `edge` chunks (and is no longer live). */
  readonly ended: boolean;
}

/** What central believes of a stream's progress: the current publish session and the newest head stored for it. */
export interface StreamHead {
  /** undefined for a binding restored from a state file and not published since. */
  readonly session: string | undefined;
  /** undefined before any head of the session was stored. */
  readonly head: Omit<HeadRecord, 'session'> | undefined;
}

export interface SweepResult {
  /** Expired entries removed. */
  readonly peers: number;
  /** Streams past their grace period taken out of `list` (their name binding stays). */
  readonly streams: number;
}

export interface RegistryCounts {
  /** Streams `list` shows. */
  readonly streams: number;
  /** Live entries over all streams. */
  readonly peers: number;
}

export interface Registry {
  /** For logs: `memory` or the Redis URL without a password. */
  readonly description: string;
  /**
   * Binds the name, or publishes it again for the same key: a new publish
   * starts the stream over, so its edge starts again from its stored head —
   * 0 when the publish starts another session, whose head is forgotten — and
   * the next announces raise it, instead of showing the last session's.
   */
  publish(publication: PublishRecord): Promise<PublishOutcome>;
  /** Adds or refreshes an entry; false when no stream with that id is published. */
  announce(announcement: AnnounceRecord): Promise<boolean>;
  /**
   * Removes these entries of the stream; when that leaves it with no live
   * entry, it stays in `list` until `visibleUntil` — or leaves `list` at once
   * when no chunk was ever announced for it (edge 0: there is nothing to
   * watch). Resolves with the count removed.
   */
  leave(stream: string, peers: readonly PeerAddress[], now: number, visibleUntil: number): Promise<number>;
  /** The stream's session and newest stored head; undefined for a stream never published. */
  streamHead(stream: string): Promise<StreamHead | undefined>;
  /**
   * Stores a head the caller verified, when it belongs to the stream's current
   * session and is newer (a later `ts`) than the stored one; an end is stored
   * once, replaces the head and marks the stream finished (not live). A publish
   * of another session forgets the head. Resolves with whether it was stored.
   */
  recordHead(stream: string, head: HeadRecord): Promise<boolean>;
  /**
   * Records what a dial-back found for a live entry (kept until the entry goes).
   * Resolves with false, and records nothing, when the entry is not there.
   */
  markReachable(stream: string, peer: PeerAddress, reachable: boolean, now: number): Promise<boolean>;
  /** The stream bound to `name` and candidates among its live entries; undefined for an unbound name. */
  lookup(name: string, now: number, maxCandidates: number): Promise<LookupCandidates | undefined>;
  /**
   * Visible streams, most peers first (then by name), at most `limit`: the
   * first page. Each stream shown is counted at `now`; the Redis registry
   * picks them by the counts of its index (as of each stream's last change or
   * sweep), so its cost grows with `limit`, not with the number of streams.
   */
  list(now: number, limit: number): Promise<StreamSummary[]>;
  /**
   * Streams in `list` and their entries, kept up to date as entries come and
   * go (no stream is walked). Entries that expired and streams whose grace
   * ended still count until a sweep removes them (the Redis registry looks at
   * a stream at most once per `sweepGap`, so up to about that long).
   */
  counts(): Promise<RegistryCounts>;
  /**
   * Removes expired entries and streams past their grace; safe to run from
   * several processes at once. The Redis registry looks only at streams due
   * by `now`, a bounded number per call.
   */
  sweep(now: number): Promise<SweepResult>;
  /**
   * A store for the per-IP limits shared by every tracker on this registry.
   * Left out (the memory registry), each tracker keeps its own in memory.
   * `clock` is the tracker's, for what the store keeps in this process.
   */
  addressLimits?(policy: AddressLimitPolicy, clock: Clock): AddressLimitStore;
  /**
   * Publish/subscribe shared by the trackers on this registry, over which a signal for an
   * entry announced to another tracker reaches it. Left out (the memory registry), signals
   * reach only entries announced to the same tracker.
   */
  signalPubSub?(): SignalPubSub;
  /**
   * True when `announce` itself enforces `maxEntriesPerHost`, counted over every
   * tracker sharing the registry (Redis). Otherwise each tracker counts entries
   * per host itself, which is exact when the registry is its own (memory).
   */
  readonly capsEntriesPerHost?: boolean;
  close(): Promise<void>;
}

/** The order of `list`: most peers first, then by name. */
export function compareStreams(a: StreamSummary, b: StreamSummary): number {
  return b.peers - a.peers || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** An entry's key within its stream. A space never occurs in a host or a port. */
export function peerKey(peer: PeerAddress): string {
  return `${peer.host} ${peer.port}`;
}
