import { sessionHex, streamIdOf, verifyPublish } from '@p2pstream/data';
import {
  MAX_LIST_STREAMS,
  type AnnounceMessage,
  type LeaveMessage,
  type LookupMessage,
  type MessageOf,
  type PublishMessage,
} from '@p2pstream/wire';
import { wallClock, type Clock } from '@p2pstream/units';
import {
  ANNOUNCE_BURST_SECONDS,
  DEFAULT_ANNOUNCE_INTERVAL_MS,
  DEFAULT_ANNOUNCE_RATE_PER_IP,
  DEFAULT_INTERVAL_JITTER,
  DEFAULT_LOOKUP_CANDIDATES,
  DEFAULT_MAX_LOOKUP_PEERS,
  DEFAULT_MAX_ENTRIES_PER_IP,
  DEFAULT_MAX_STREAMS_PER_IP,
  DEFAULT_NEAR_EDGE_CHUNKS,
  PEER_TTL_PER_INTERVAL,
  DEFAULT_PUBLISH_WINDOW_MS,
  DEFAULT_STREAM_GRACE_MS,
  DEFAULT_STREAM_QUOTA_WINDOW_MS,
  DEFAULT_HEAD_CACHE_AGE_MS,
  HEAD_CACHE_SIZE,
} from './constants.js';
import {
  BadSignatureError,
  KeyBoundError,
  NameTakenError,
  NotAnnouncedError,
  RateLimitedError,
  ReplayedError,
  StreamNotFoundError,
  TimestampOutOfWindowError,
  TooManyEntriesError,
  TooManyStreamsError,
  TrackerError,
} from './errors.js';
import { AddressEntries } from './address-entries.js';
import { addressLimitPolicy, MemoryAddressLimits, type AddressCheck, type AddressLimitStore } from './address-limits.js';
import { clipToHead, headIsFresh, verifiedHead } from './stream-heads.js';
import { samplePeers } from './peer-sampling.js';
import type { DialBack } from './dial-back.js';
import { StreamHeadCache } from './stream-head-cache.js';
import type { AnnounceRecord, PeerRecord, PublishRecord, Registry, StreamHead, SweepResult } from './registry.js';

/** Central's policy. Times in ms. */
export interface TrackerOptions {
  registry: Registry;
  /** @default the system's wall clock */
  clock?: Clock;
  /** @default Math.random */
  random?: () => number;
  /**
   * The URL of this central's watch page of stream `name`, for publishers that ask (`publish.pages`);
   * `centralHost` is the address the publisher reached central at, when known. Undefined: no watch pages.
   * @default no watch pages
   */
  watchPageUrl?: (name: string, centralHost: string | undefined) => string | undefined;
  /**
   * Dials each announced entry back once per connection and port, and records
   * whether it could (look-ups list reachable entries first). Undefined: no dial-backs.
   * @default no dial-backs
   */
  dialBack?: DialBack;
  /**
   * Re-announce interval handed to peers, before jitter.
   * @default 15_000
   */
  interval?: number;
  /**
   * Each handed-out interval is spread by ±this fraction.
   * @default 0.1
   */
  intervalJitter?: number;
  /**
   * An entry not re-announced for this long expires; must exceed the longest jittered interval.
   * @default 4/3 × interval (20_000)
   */
  ttl?: number;
  /**
   * A stream with no peers left stays in `list` this long.
   * @default 60_000
   */
  grace?: number;
  /**
   * A publish timestamp further than this from the clock is refused.
   * @default 300_000
   */
  publishWindow?: number;
  /**
   * Peers per look-up at most (the wire caps a request at 50).
   * @default 50
   */
  maxLookupPeers?: number;
  /**
   * Peers within this many chunks of the newest edge are offered first.
   * @default 20
   */
  nearEdge?: number;
  /**
   * Entries the registry hands over per look-up to sample from.
   * @default 256
   */
  lookupCandidates?: number;
  /**
   * Announces and publishes per second per IP address, on average. With a
   * registry that shares its limits (Redis), counted over every tracker on it.
   * @default 20
   */
  announceRate?: number;
  /**
   * Announces and publishes one IP address may send at once.
   * @default 5 × announceRate
   */
  announceBurst?: number;
  /**
   * Distinct streams one IP address may publish or announce within `streamQuotaWindow`.
   * @default 100
   */
  maxStreamsPerIp?: number;
  /** @default 3_600_000 */
  streamQuotaWindow?: number;
  /**
   * Entries (ports) one IP address may hold in one stream's list at once.
   * @default 4
   */
  maxEntriesPerIp?: number;
  /**
   * An announce without a signature may use a stream head read from the registry
   * up to this long ago (one Redis round trip fewer per viewer announce); 0 reads it every time.
   * @default the shorter of 1_000 and a tenth of the TTL
   */
  headCacheAge?: number;
}

/** What a TrackerOptions holds beside the settings: what it runs on and talks to. */
type TrackerParts = 'registry' | 'clock' | 'random' | 'watchPageUrl' | 'dialBack';

export type TrackerSettings = Readonly<Required<Omit<TrackerOptions, TrackerParts>>>;

/** Fills in every default; throws RangeError for settings that cannot work together. */
export function resolveTrackerSettings(options: Omit<TrackerOptions, TrackerParts>): TrackerSettings {
  const announceRate = options.announceRate ?? DEFAULT_ANNOUNCE_RATE_PER_IP;
  const interval = options.interval ?? DEFAULT_ANNOUNCE_INTERVAL_MS;
  const settings = {
    interval,
    intervalJitter: options.intervalJitter ?? DEFAULT_INTERVAL_JITTER,
    ttl: options.ttl ?? Math.round(interval * PEER_TTL_PER_INTERVAL),
    grace: options.grace ?? DEFAULT_STREAM_GRACE_MS,
    publishWindow: options.publishWindow ?? DEFAULT_PUBLISH_WINDOW_MS,
    maxLookupPeers: options.maxLookupPeers ?? DEFAULT_MAX_LOOKUP_PEERS,
    nearEdge: options.nearEdge ?? DEFAULT_NEAR_EDGE_CHUNKS,
    lookupCandidates: options.lookupCandidates ?? DEFAULT_LOOKUP_CANDIDATES,
    announceRate,
    announceBurst: options.announceBurst ?? Math.max(1, Math.ceil(announceRate * ANNOUNCE_BURST_SECONDS)),
    maxStreamsPerIp: options.maxStreamsPerIp ?? DEFAULT_MAX_STREAMS_PER_IP,
    streamQuotaWindow: options.streamQuotaWindow ?? DEFAULT_STREAM_QUOTA_WINDOW_MS,
    maxEntriesPerIp: options.maxEntriesPerIp ?? DEFAULT_MAX_ENTRIES_PER_IP,
    headCacheAge: 0,
  };
  // A short TTL (tests, demos) gets a proportionally short cache: a tenth of it at most by default.
  settings.headCacheAge = options.headCacheAge ?? Math.min(DEFAULT_HEAD_CACHE_AGE_MS, Math.floor(settings.ttl / 10));
  if (!(settings.headCacheAge >= 0 && settings.headCacheAge < settings.ttl)) {
    throw new RangeError(`the head cache age is from 0 ms to below the TTL (${settings.ttl} ms), not ${settings.headCacheAge}`);
  }
  if (!(Number.isSafeInteger(settings.maxEntriesPerIp) && settings.maxEntriesPerIp >= 1)) {
    throw new RangeError(`entries per IP address and stream is an integer from 1, not ${settings.maxEntriesPerIp}`);
  }
  if (!(settings.intervalJitter >= 0 && settings.intervalJitter < 1)) {
    throw new RangeError(`the interval jitter is a fraction from 0 to below 1, not ${settings.intervalJitter}`);
  }
  const longest = Math.ceil(settings.interval * (1 + settings.intervalJitter));
  if (!(settings.interval >= 1) || !(settings.ttl > longest)) {
    throw new RangeError(
      `the TTL (${settings.ttl} ms) must be longer than the longest jittered interval (${longest} ms), or every peer would expire between announces`,
    );
  }
  if (!(settings.maxLookupPeers >= 1 && settings.maxLookupPeers <= 50)) {
    throw new RangeError(`peers per look-up is from 1 to 50, not ${settings.maxLookupPeers}`);
  }
  if (!(settings.lookupCandidates >= settings.maxLookupPeers)) {
    throw new RangeError('look-up candidates must be at least the peers per look-up');
  }
  return settings;
}

/** Per-connection state: who this is and what it announced and published on this connection. */
export class TrackerSession {
  /** The address central saw on the socket: the host of every entry this connection announces. */
  readonly host: string;
  /** Central's own address on the socket (where this peer reached it), when known. */
  readonly centralHost: string | undefined;
  /** stream id → the port announced for it. */
  readonly announced = new Map<string, number>();
  /**
   * Streams this connection proved the key of (its announces may set the stream's
   * live flag), with the publish that proved it: an announce that finds the stream
   * gone from the registry (a Redis that came back empty) restores it from here.
   */
  readonly published = new Map<string, PublishRecord>();
  /** stream id → when the per-IP limits last counted this connection's entry of it (not its renewals). */
  readonly countedAt = new Map<string, number>();
  /** Port → whether central could dial this connection's host back at it: found once per connection and port. */
  readonly reachable = new Map<number, boolean>();
  /** Ports being dialed back now. */
  readonly dialingBack = new Set<number>();

  constructor(host: string, centralHost?: string) {
    this.host = host;
    this.centralHost = centralHost;
  }

  /**
   * Whether `peer` is one of this connection's own entries, which its look-ups never
   * return. Other hosts answer at once: a connection announcing many streams (a seed
   * box) pays for the walk only on a candidate at its own host.
   */
  owns(peer: PeerRecord): boolean {
    if (peer.host !== this.host) return false;
    for (const port of this.announced.values()) if (port === peer.port) return true;
    return false;
  }
}

/** Requests handled, for the status page and `--stats`. */
export interface TrackerCounters {
  publish: number;
  announce: number;
  lookup: number;
  list: number;
  leave: number;
  /** Streams published again from a connection's own earlier publish, after the registry lost them. */
  restored: number;
  /** Refusals by code. */
  refused: Record<string, number>;
}

type Reply<T extends 'published' | 'announced' | 'peers' | 'streams' | 'ok'> = Omit<MessageOf<T>, 're'>;

/**
 * What central does with each tracker request, independent of sockets. Each
 * method answers with the reply body or throws a TrackerError to send back.
 */
export class Tracker {
  readonly settings: TrackerSettings;
  readonly counters: TrackerCounters = { publish: 0, announce: 0, lookup: 0, list: 0, leave: 0, restored: 0, refused: {} };
  readonly #registry: Registry;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #watchPageUrl: TrackerOptions['watchPageUrl'];
  /** Per-IP rate and stream quota: the registry's shared store when it has one (Redis), else this process's. */
  readonly #limits: AddressLimitStore;
  /** Entries per host, counted here unless the registry caps them itself (shared by every central on it). */
  readonly #entries: AddressEntries | undefined;
  readonly #heads: StreamHeadCache;
  readonly #dialBack: DialBack | undefined;

  constructor(options: TrackerOptions) {
    this.settings = resolveTrackerSettings(options);
    this.#registry = options.registry;
    this.#clock = options.clock ?? wallClock;
    this.#random = options.random ?? Math.random;
    this.#watchPageUrl = options.watchPageUrl;
    const policy = addressLimitPolicy({
      ratePerSecond: this.settings.announceRate,
      burst: this.settings.announceBurst,
      maxStreams: this.settings.maxStreamsPerIp,
      streamWindow: this.settings.streamQuotaWindow,
    });
    this.#limits = this.#registry.addressLimits?.(policy, this.#clock) ?? new MemoryAddressLimits(policy, this.#clock);
    this.#entries = this.#registry.capsEntriesPerHost ? undefined : new AddressEntries(this.settings.maxEntriesPerIp);
    this.#heads = new StreamHeadCache(this.settings.headCacheAge, HEAD_CACHE_SIZE);
    this.#dialBack = options.dialBack;
  }

  /** Dial-backs and what they found, when the tracker dials back. */
  get dialBack(): DialBack | undefined {
    return this.#dialBack;
  }

  async publish(session: TrackerSession, message: PublishMessage): Promise<Reply<'published'>> {
    return this.#count('publish', async () => {
      // Rate first and the quota only after the signature: a flood is refused before any verifying, a forged name counts nothing.
      await this.#check(session, { token: true });
      const now = this.#clock.now();
      if (Math.abs(message.ts - now) > this.settings.publishWindow) {
        throw new TimestampOutOfWindowError(message.ts - now, this.settings.publishWindow);
      }
      if (!verifyPublish(message.key, message.name, message.ts, message.session, message.sig)) throw new BadSignatureError();
      const stream = streamIdOf(message.key);
      await this.#check(session, { token: false, stream });
      const record: PublishRecord = { name: message.name, stream, live: message.live, ts: message.ts, session: sessionHex(message.session) };
      const outcome = await this.#registry.publish(record);
      switch (outcome.result) {
        case 'name-taken':
          throw new NameTakenError(message.name);
        case 'key-bound':
          throw new KeyBoundError(outcome.name);
        case 'replayed':
          throw new ReplayedError();
        case 'published':
          session.published.set(stream, record);
          this.#heads.forget(stream);
          // Only when asked: a publisher built before `watch` would refuse the reply.
          const watch = message.pages ? this.#watchPageUrl?.(message.name, session.centralHost) : undefined;
          return { t: 'published', stream, ...(watch === undefined ? {} : { watch }) };
      }
    });
  }

  async announce(session: TrackerSession, message: AnnounceMessage): Promise<Reply<'announced'>> {
    return this.#count('announce', async () => {
      const now = this.#clock.now();
      const previousPort = session.announced.get(message.stream);
      // Counted again every half window, so the stream stays in the address's quota while the entry lives.
      const renewal = previousPort === message.port && now - (session.countedAt.get(message.stream) ?? -Infinity) < this.settings.streamQuotaWindow / 2;
      await this.#check(session, { token: true, stream: message.stream, renewal });
      if (!renewal) session.countedAt.set(message.stream, now);
      if (previousPort !== undefined && previousPort !== message.port) {
        // One entry per connection and stream: a new port replaces the old entry.
        await this.#registry.leave(message.stream, [{ host: session.host, port: previousPort }], now, now + this.settings.grace);
        this.#entries?.leave(message.stream, session.host, previousPort);
        session.announced.delete(message.stream);
      }
      const signed = message.sig !== undefined || message.ts !== undefined || message.end !== undefined;
      const cached = signed ? undefined : this.#heads.get(message.stream, now);
      let current = cached ?? (await this.#registry.streamHead(message.stream)) ?? (await this.#restorePublication(session, message.stream));
      if (!current) throw new StreamNotFoundError(message.stream);
      // Believed only when signed: the head or end is verified and stored for every central sharing the registry.
      const head = verifiedHead(message, current, now);
      if (head && (await this.#registry.recordHead(message.stream, head))) current = { session: current.session, head };
      // Aged from when it was read, not from when it was last used.
      if (!cached) this.#heads.set(message.stream, current, now);
      const expiresAt = now + this.settings.ttl;
      if (this.#entries && !this.#entries.admit(message.stream, session.host, message.port, now, expiresAt)) {
        throw new TooManyEntriesError(session.host, this.settings.maxEntriesPerIp);
      }
      // Every edge is a claim, believed only as far as the signed head, the publisher's own included.
      const source = session.published.has(message.stream);
      const edge = clipToHead(current, message.edge);
      // Viewers announcing each other do not keep listed a stream whose source gave no new signed head for a TTL.
      const visibleUntil = source || headIsFresh(current, now, this.settings.ttl) ? now + this.settings.ttl + this.settings.grace : now;
      const reachable = session.reachable.get(message.port);
      const announcement: AnnounceRecord = {
        stream: message.stream,
        host: session.host,
        port: message.port,
        edge,
        announcedAt: now,
        expiresAt,
        visibleUntil,
        maxEntriesPerHost: this.settings.maxEntriesPerIp,
        // Carried by every announce, so a verdict the registry missed (it was away) is there by the next one.
        ...(reachable === undefined ? {} : { reachable }),
        // A stream that ended by its signed end stays finished, whatever its source announces.
        ...(source ? { live: message.live && !current.head?.ended, source: true } : {}),
      };
      // The head may have come from the cache while the registry lost the stream.
      const known =
        (await this.#registry.announce(announcement)) ||
        ((await this.#restorePublication(session, message.stream)) !== undefined && (await this.#registry.announce(announcement)));
      if (!known) throw new StreamNotFoundError(message.stream);
      session.announced.set(message.stream, message.port);
      if (message.signalsOnly !== true) this.#dialBackOnce(session, message.port);
      const spread = this.settings.intervalJitter * (2 * this.#random() - 1);
      const interval = Math.max(1, Math.round(this.settings.interval * (1 + spread)));
      // A page has no address of its own to go by: it learns the one its peers know its entry under.
      return { t: 'announced', interval, ttl: this.settings.ttl, ...(message.signalsOnly === true ? { host: session.host } : {}) };
    });
  }

  async lookup(session: TrackerSession, message: LookupMessage): Promise<Reply<'peers'>> {
    return this.#count('lookup', async () => {
      const found = await this.#registry.lookup(message.name, this.#clock.now(), this.settings.lookupCandidates);
      // A binding restored from the state file has no session until its publisher publishes again: nothing to watch yet.
      if (!found?.session) throw new StreamNotFoundError(message.name);
      const peers = samplePeers(found.candidates, Math.min(message.count, this.settings.maxLookupPeers), {
        isExcluded: (peer) => session.owns(peer),
        nearEdge: this.settings.nearEdge,
        random: this.#random,
      });
      const { name, stream, live, edge } = found.stream;
      // Only an asker that said it reads `reachable` gets it: an older peer would refuse the key.
      const listed = message.reachability ? peers : peers.map(({ host, port, edge }) => ({ host, port, edge }));
      return { t: 'peers', name, stream, live, edge, session: Buffer.from(found.session, 'hex'), peers: listed };
    });
  }

  async list(): Promise<Reply<'streams'>> {
    return this.#count('list', async () => {
      const streams = await this.#registry.list(this.#clock.now(), MAX_LIST_STREAMS);
      // `list` answers with viewer counts: the publisher's own entry is no viewer.
      return { t: 'streams', streams: streams.map(({ name, stream, live, viewers, edge }) => ({ name, stream, live, peers: viewers, edge })) };
    });
  }

  async leave(session: TrackerSession, message: LeaveMessage): Promise<Reply<'ok'>> {
    return this.#count('leave', async () => {
      const port = session.announced.get(message.stream);
      if (port === undefined) throw new NotAnnouncedError(message.stream);
      const now = this.#clock.now();
      await this.#registry.leave(message.stream, [{ host: session.host, port }], now, now + this.settings.grace);
      this.#entries?.leave(message.stream, session.host, port);
      session.announced.delete(message.stream);
      session.countedAt.delete(message.stream);
      return { t: 'ok' };
    });
  }

  /** Expires entries and streams in the registry, and forgets idle rate-limit and quota state. */
  async sweep(): Promise<SweepResult> {
    const now = this.#clock.now();
    this.#limits.prune(now);
    this.#heads.prune(now);
    this.#entries?.prune(now);
    return this.#registry.sweep(this.#clock.now());
  }

  /**
   * Publishes again what this connection published, when the registry lost it
   * (a Redis restarted empty), so its source's next announce relists the stream
   * in one request instead of a refusal, a publish and a second announce from
   * every source at once. The publish was verified when it came; a newer one
   * from elsewhere wins as usual (the registry answers a replay or a taken name).
   */
  async #restorePublication(session: TrackerSession, stream: string): Promise<StreamHead | undefined> {
    const record = session.published.get(stream);
    if (!record) return undefined;
    const outcome = await this.#registry.publish(record);
    if (outcome.result !== 'published') {
      session.published.delete(stream);
      return undefined;
    }
    this.counters.restored += 1;
    this.#heads.forget(stream);
    return { session: record.session, head: undefined };
  }

  /**
   * Dials the connection's host back at `port`, once per connection and port (not
   * again while a dial-back is under way, again at the next announce when all were
   * busy), and records what it found on every entry the connection announced at it.
   */
  #dialBackOnce(session: TrackerSession, port: number): void {
    const dialBack = this.#dialBack;
    if (!dialBack?.enabled || session.reachable.has(port) || session.dialingBack.has(port)) return;
    session.dialingBack.add(port);
    void dialBack
      .dial(session.host, port)
      .then(async (reachable) => {
        session.dialingBack.delete(port);
        if (reachable === undefined) return;
        session.reachable.set(port, reachable);
        const now = this.#clock.now();
        for (const [stream, announced] of session.announced) {
          if (announced === port) await this.#registry.markReachable(stream, { host: session.host, port }, reachable, now);
        }
      })
      // The registry was away: the entry's next announce carries the verdict.
      .catch(() => undefined);
  }

  /** One check of the per-IP limits (one Redis script with a Redis registry); throws the refusal. */
  async #check(session: TrackerSession, what: AddressCheck): Promise<void> {
    const verdict = await this.#limits.check(session.host, this.#clock.now(), what);
    if (verdict === 'rate-limited') throw new RateLimitedError(session.host, this.settings.announceRate);
    if (verdict === 'too-many-streams') throw new TooManyStreamsError(session.host, this.settings.maxStreamsPerIp, this.settings.streamQuotaWindow);
  }

  async #count<R>(kind: 'publish' | 'announce' | 'lookup' | 'list' | 'leave', handle: () => Promise<R>): Promise<R> {
    this.counters[kind] += 1;
    try {
      return await handle();
    } catch (error) {
      if (error instanceof TrackerError) this.counters.refused[error.code] = (this.counters.refused[error.code] ?? 0) + 1;
      throw error;
    }
  }
}
