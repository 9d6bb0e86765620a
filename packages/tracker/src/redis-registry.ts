import { ErrorReply } from 'redis';
import type { Clock } from '@p2pstream/units';
import {
  DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
  DEFAULT_REDIS_CONNECT_TIMEOUT_MS,
  DEFAULT_REDIS_PREFIX,
  DEFAULT_REDIS_SWEEP_GAP_MS,
  REDIS_NAME_CACHE_SIZE,
  REDIS_SWEEP_BATCH,
  REDIS_SWEEP_BATCHES,
  REDIS_SWEEP_LEASE_MS,
} from './constants.js';
import type { AddressLimitPolicy, AddressLimitStore } from './address-limits.js';
import type { SignalPubSub } from './cross-central-signals.js';
import { RegistryUnavailableError, TooManyEntriesError } from './errors.js';
import { RedisAddressLimits } from './redis-address-limits.js';
import { CLUSTER_SCHEME, openRedisConnection, parseRedisTarget, type RedisConnection, type RedisTarget } from './redis-connection.js';
import {
  compareStreams,
  peerKey,
  type AnnounceRecord,
  type HeadRecord,
  type LookupCandidates,
  type PeerAddress,
  type Candidate,
  type PublishRecord,
  type PublishOutcome,
  type Registry,
  type RegistryCounts,
  type StreamHead,
  type StreamSummary,
  type SweepResult,
} from './registry.js';
import {
  ANNOUNCE,
  CLAIM_DUE,
  CLAIM_NAME,
  CONFIRM_NAME,
  INDEX,
  LEAVE,
  LOOKUP,
  MARK_REACHABLE,
  PUBLISH,
  RECORD_HEAD,
  RELEASE_NAME,
  SUMMARY,
  SWEEP_STREAM,
  type RedisScript,
} from './redis-scripts.js';

export interface RedisRegistryOptions {
  /**
   * `redis://[user:password@]host:port/db` for one Redis, or
   * `redis+cluster://[user:password@]host:port,host:port` for a Redis Cluster (a few of its masters).
   */
  url: string;
  /**
   * Prepended to every key, so several swarms (or test runs) can share one Redis.
   * @default 'p2pstream:'
   */
  prefix?: string;
  /**
   * A command with no answer within this time fails with `REGISTRY_UNAVAILABLE`.
   * @default 2_000
   */
  commandTimeout?: number;
  /**
   * Time allowed to reach Redis when connecting; `connect` rejects after it.
   * @default 3_000
   */
  connectTimeout?: number;
  /**
   * A sweep looks at a stream again at least this much later: expired entries
   * (of peers that never said `leave`) stop counting in `counts` within about
   * this time; look-ups and `list` count exactly whatever it is.
   * @default 30_000
   */
  sweepGap?: number;
  /** Told when Redis goes away (once) and when it is back. */
  onStatus?: (status: RedisStatus) => void;
}

export type RedisStatus =
  | { readonly state: 'down'; readonly message: string }
  | { readonly state: 'up'; readonly message: string };

/** What a stream's script tells the index: see redis-scripts.ts. `ver` 0: nothing new. */
interface StreamNews {
  readonly id: string;
  readonly ver: number;
  readonly entries: number;
  readonly due: number;
}

/**
 * The registry shared by several central processes through one Redis or a
 * Redis Cluster. Each stream's keys share the hash tag `{<id>}`, and each
 * operation on a stream is one Lua script on that stream's slot; what `list`,
 * `counts` and `sweep` need is kept in a small index under `{index}`, updated
 * when a stream's entry count changes, so no operation walks every stream.
 */
export class RedisRegistry implements Registry {
  readonly description: string;
  readonly capsEntriesPerHost = true;
  readonly #client: RedisConnection;
  readonly #prefix: string;
  readonly #sweepGap: number;
  /** name → stream id for bindings seen complete: a binding never changes once made. */
  readonly #names = new Map<string, string>();

  private constructor(client: RedisConnection, options: RedisRegistryOptions) {
    this.#client = client;
    this.description = redactedUrl(options.url);
    this.#prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
    this.#sweepGap = options.sweepGap ?? DEFAULT_REDIS_SWEEP_GAP_MS;
  }

  /**
   * Connects, or rejects with `REGISTRY_UNAVAILABLE` saying how to start Redis.
   * Once connected, it reconnects by itself whenever Redis goes away; meanwhile
   * every operation fails at once with `REGISTRY_UNAVAILABLE`.
   */
  static async connect(options: RedisRegistryOptions): Promise<RedisRegistry> {
    const description = redactedUrl(options.url);
    let target: RedisTarget;
    try {
      target = parseRedisTarget(options.url);
    } catch (error) {
      throw new RegistryUnavailableError((error as Error).message, { cause: error });
    }
    let ready = false;
    let down = false;
    let lastError = '';
    const client = openRedisConnection(target, {
      connectTimeout: options.connectTimeout ?? DEFAULT_REDIS_CONNECT_TIMEOUT_MS,
      commandTimeout: options.commandTimeout ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
      connected: () => ready,
      onError: (error) => {
        lastError = error.message;
        if (ready && !down) {
          down = true;
          options.onStatus?.({ state: 'down', message: `lost Redis at ${description} (${error.message}); retrying` });
        }
      },
      onReady: () => {
        if (down) options.onStatus?.({ state: 'up', message: `Redis at ${description} is back` });
        down = false;
      },
    });
    try {
      await client.connect();
    } catch (error) {
      client.destroy();
      throw new RegistryUnavailableError(
        `cannot reach Redis at ${description} (${lastError || (error as Error).message}) — start it with: ` +
          `${startHint(target)} (or run central with --registry memory)`,
        { cause: error },
      );
    }
    ready = true;
    return new RedisRegistry(client, options);
  }

  async publish({ name, stream, live, ts, session }: PublishRecord): Promise<PublishOutcome> {
    // The name and the stream live in different slots: claim the name, then the stream, and give the name back if the stream refuses it.
    const nameKey = this.#nameKey(name);
    const claim = strings(await this.#run(CLAIM_NAME, [nameKey], [stream, String(NAME_CLAIM_LEASE_MS)]));
    if (claim[0] === 'taken') return { result: 'name-taken', holder: claim[1]! };
    const reply = strings(await this.#run(PUBLISH, this.#streamKeys(stream), [name, live ? '1' : '0', String(ts), session]));
    if (reply[0] !== 'key-bound') await this.#run(CONFIRM_NAME, [nameKey], [stream]);
    else if (claim[1] === '1') await this.#run(RELEASE_NAME, [nameKey], [stream]);
    switch (reply[0]) {
      case 'published':
        return { result: 'published' };
      case 'key-bound':
        return { result: 'key-bound', name: reply[1]! };
      default:
        return { result: 'replayed', lastTs: Number(reply[1]) };
    }
  }

  async announce(a: AnnounceRecord): Promise<boolean> {
    const live = a.live === undefined ? '' : a.live ? '1' : '0';
    const cap = a.maxEntriesPerHost ?? 0;
    const reachable = a.reachable === undefined ? '' : a.reachable ? '1' : '0';
    const args = [peerKey(a), String(a.expiresAt), String(a.edge), String(a.visibleUntil), live, a.source ? '1' : '0', String(a.announcedAt), a.host, String(cap), reachable];
    const reply = numbers(await this.#run(ANNOUNCE, this.#streamKeys(a.stream), args));
    if (reply[0] === 2) throw new TooManyEntriesError(a.host, cap);
    if (reply[0] !== 1) return false;
    await this.#index([news(a.stream, reply, 1)]);
    return true;
  }

  async leave(stream: string, peers: readonly PeerAddress[], now: number, visibleUntil: number): Promise<number> {
    if (peers.length === 0) return 0;
    const reply = numbers(await this.#run(LEAVE, this.#streamKeys(stream), [String(now), String(visibleUntil), ...peers.map(peerKey)]));
    await this.#index([news(stream, reply, 1)]);
    return reply[0]!;
  }

  async streamHead(stream: string): Promise<StreamHead | undefined> {
    const key = this.#streamKeys(stream)[0]!;
    const [name, session, edge, ts, at, ended] = array(await this.#run(undefined, [key], [], ['HMGET', key, 'name', 'session', 'hedge', 'hts', 'hat', 'hend']));
    if (nullable(name) === undefined) return undefined;
    const head = nullable(edge) === undefined ? undefined : { edge: Number(edge), ts: Number(ts), at: Number(at), ended: ended === '1' };
    return { session: nullable(session), head };
  }

  async recordHead(stream: string, { session, edge, ts, at, ended }: HeadRecord): Promise<boolean> {
    const key = this.#streamKeys(stream)[0]!;
    const reply = await this.#run(RECORD_HEAD, [key], [session, String(edge), String(ts), String(at), ended ? '1' : '0']);
    return Number(reply) === 1;
  }

  async markReachable(stream: string, peer: PeerAddress, reachable: boolean, now: number): Promise<boolean> {
    const [, peers, , , , , entries] = this.#streamKeys(stream);
    return Number(await this.#run(MARK_REACHABLE, [peers!, entries!], [peerKey(peer), reachable ? '1' : '0', String(now)])) === 1;
  }

  async lookup(name: string, now: number, maxCandidates: number): Promise<LookupCandidates | undefined> {
    const id = this.#names.get(name) ?? nullable(await this.#run(undefined, [this.#nameKey(name)], [], ['GET', this.#nameKey(name)]));
    if (id === undefined) return undefined;
    const reply = await this.#run(LOOKUP, this.#streamKeys(id), [name, String(now), String(maxCandidates)]);
    if (reply === null || reply === undefined) return undefined;
    this.#remember(name, id);
    const [live, edge, count, picked, viewers] = array(reply);
    await this.#index([news(id, array(reply).slice(5, 8).map(Number), 0)]);
    return {
      stream: { name, stream: id, live: live === '1', edge: Number(edge), peers: Number(count), viewers: Number(viewers) },
      candidates: strings(picked).map(parseCandidate),
      session: nullable(array(reply)[8]),
    };
  }

  /**
   * The streams with the most entries by the index (counts as of each stream's
   * last change or sweep), each read exactly at `now`: at most `limit` streams
   * and a few index pages, so its cost depends on `limit`, not on how many streams there are.
   */
  async list(now: number, limit: number): Promise<StreamSummary[]> {
    const found: StreamSummary[] = [];
    const page = Math.max(1, limit);
    for (let start = 0, step = 0; found.length < limit && step < LIST_PAGES_PER_CALL; step++, start += page) {
      const ids = strings(await this.#run(undefined, [this.#indexKey('list')], [], ['ZREVRANGE', this.#indexKey('list'), String(start), String(start + page - 1)]));
      const rows = await Promise.all(ids.map((id) => this.#run(SUMMARY, this.#summaryKeys(id), [String(now)])));
      rows.forEach((row, i) => {
        const [name, live, edge, visibleUntil, peers, viewers] = array(row);
        if (Number(visibleUntil) > now) {
          found.push({ stream: ids[i]!, name: String(name), live: live === '1', edge: Number(edge), peers: Number(peers), viewers: Number(viewers) });
        }
      });
      if (ids.length < page) break;
    }
    return found.sort(compareStreams).slice(0, limit);
  }

  /**
   * The index's sums, one read. Entries of peers that vanished without `leave`
   * still count until a look-up or a sweep of their stream removes them (a
   * stream is swept at most once per `sweepGap`).
   */
  async counts(): Promise<RegistryCounts> {
    const [streams, peers] = array(await this.#run(undefined, [this.#indexKey('totals')], [], ['HMGET', this.#indexKey('totals'), 'streams', 'peers']));
    return { streams: Number(streams ?? 0), peers: Number(peers ?? 0) };
  }

  /**
   * Looks at the streams due by `now` (one of their entries expired or their
   * grace ended), in batches, at most a fixed number of batches per call; a
   * stream another process is sweeping is skipped (it is leased to that one).
   */
  async sweep(now: number): Promise<SweepResult> {
    let peers = 0;
    let streams = 0;
    const dueKey = this.#indexKey('due');
    for (let batch = 0; batch < REDIS_SWEEP_BATCHES; batch++) {
      const ids = strings(await this.#run(CLAIM_DUE, [dueKey], [String(now), String(REDIS_SWEEP_BATCH), String(REDIS_SWEEP_LEASE_MS)]));
      const replies = await Promise.all(ids.map((id) => this.#run(SWEEP_STREAM, this.#streamKeys(id), [String(now), String(this.#sweepGap)]).then(numbers)));
      replies.forEach((reply) => {
        peers += reply[0]!;
        streams += reply[1]!;
      });
      await this.#index(replies.map((reply, i) => news(ids[i]!, reply, 2)));
      if (ids.length < REDIS_SWEEP_BATCH) break;
    }
    return { peers, streams };
  }

  /** Signals between centrals on this Redis: sharded pub/sub under this registry's prefix. */
  signalPubSub(): SignalPubSub {
    const named = (channel: string) => `${this.#prefix}${channel}`;
    return {
      publish: (channel, payload) => this.#run(undefined, [named(channel)], [], ['SPUBLISH', named(channel), payload]),
      subscribe: (channel, listener) => this.#client.subscribe(named(channel), listener),
      // The subscriptions' connection is the registry's: it closes with the registry.
      unsubscribe: (channel) => this.#client.unsubscribe(named(channel)),
    };
  }

  /** Per-IP limits in this Redis, under `{ip:<host>}` keys: shared with every central on it. */
  addressLimits(policy: AddressLimitPolicy, clock: Clock): AddressLimitStore {
    return new RedisAddressLimits(policy, this.#prefix, (script, keys, args) => this.#run(script, keys, args), clock);
  }

  async close(): Promise<void> {
    try {
      await this.#client.close();
    } catch {
      // Closing while Redis is away: nothing is pending (the offline queue is off), so drop the socket.
      this.#client.destroy();
    }
  }

  /** Tells the index what changed in these streams (those with news). */
  async #index(all: readonly StreamNews[]): Promise<void> {
    const fresh = all.filter((item) => item.ver > 0);
    if (fresh.length === 0) return;
    const args = fresh.flatMap(({ id, ver, entries, due }) => [id, String(ver), String(entries), String(due)]);
    await this.#run(INDEX, ['list', 'due', 'vers', 'totals'].map((kind) => this.#indexKey(kind)), args);
  }

  #remember(name: string, id: string): void {
    if (this.#names.has(name)) return;
    if (this.#names.size >= REDIS_NAME_CACHE_SIZE) this.#names.delete(this.#names.keys().next().value!);
    this.#names.set(name, id);
  }

  #nameKey(name: string): string {
    return `${this.#prefix}name:${name}`;
  }

  /** A stream's hash, peers, edges, sources, since, hosts and entries: one hash tag, so one slot. */
  #streamKeys(id: string): string[] {
    const tag = `${this.#prefix}{${id}}:`;
    return STREAM_KEY_KINDS.map((kind) => tag + kind);
  }

  /** What SUMMARY reads: the stream's hash, peers and sources. */
  #summaryKeys(id: string): string[] {
    const [stream, peers, , sources] = this.#streamKeys(id);
    return [stream!, peers!, sources!];
  }

  #indexKey(kind: string): string {
    return `${this.#prefix}{index}:${kind}`;
  }

  /**
   * Runs a script by its hash, loading it when this Redis has not seen it (a
   * fresh or restarted server), or a plain command (`command`) when no script is given.
   */
  async #run(script: RedisScript | undefined, keys: readonly string[], args: readonly string[], command?: string[]): Promise<unknown> {
    const slotKey = keys[0]!;
    try {
      if (!script) return await this.#client.send(slotKey, command!);
      // Built once and handed over as it is: central sends one or two of these per request.
      const call = ['EVALSHA', script.sha, String(script.keys), ...keys, ...args];
      try {
        return await this.#client.send(slotKey, call);
      } catch (error) {
        if (!(error instanceof ErrorReply && error.message.startsWith('NOSCRIPT'))) throw error;
        call[0] = 'EVAL';
        call[1] = script.source;
        return await this.#client.send(slotKey, call);
      }
    } catch (error) {
      // A reply error is a bug in a script, not an outage: let it surface as it is.
      if (error instanceof ErrorReply && !/^(CLUSTERDOWN|TRYAGAIN|LOADING|MASTERDOWN)/.test(error.message)) throw error;
      throw new RegistryUnavailableError(`central cannot reach its Redis registry (${(error as Error).message}); try again shortly`, {
        cause: error,
      });
    }
  }
}

/** A stream's keys after its hash tag, in the order its scripts take them (KEYS[1..7]). */
const STREAM_KEY_KINDS = ['stream', 'peers', 'edges', 'sources', 'since', 'hosts', 'entries'] as const;

/** A name claimed for a publish that never finished is free again after this long. */
const NAME_CLAIM_LEASE_MS = 60_000;

/** Index pages `list` reads per call at most, when streams past their grace fill the first ones. */
const LIST_PAGES_PER_CALL = 4;

function news(id: string, reply: readonly number[], from: number): StreamNews {
  return { id, ver: reply[from] ?? 0, entries: reply[from + 1] ?? 0, due: reply[from + 2] ?? 0 };
}

function nullable(value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : String(value);
}

function numbers(value: unknown): number[] {
  return array(value).map(Number);
}

/**
 * One candidate as LOOKUP packs it: "<edge> <since> <source 1/0> <reachable 1/0/-> <host> <port>".
 * Read by position into one object literal: split and object spreads cost about 5 µs a
 * candidate (a look-up parses up to 256), this well under 1 µs.
 */
function parseCandidate(packed: string): Candidate {
  const afterEdge = packed.indexOf(' ');
  const afterSince = packed.indexOf(' ', afterEdge + 1);
  // The source and reachability flags are one character each.
  const reach = packed.charCodeAt(afterSince + 3);
  const lastSpace = packed.lastIndexOf(' ');
  const candidate: { -readonly [K in keyof Candidate]: Candidate[K] } = {
    host: packed.slice(afterSince + 5, lastSpace),
    port: Number(packed.slice(lastSpace + 1)),
    edge: Number(packed.slice(0, afterEdge)),
    since: Number(packed.slice(afterEdge + 1, afterSince)),
    source: packed.charCodeAt(afterSince + 1) === ONE,
  };
  if (reach !== DASH) candidate.reachable = reach === ONE;
  return candidate;
}

const ONE = '1'.charCodeAt(0);
const DASH = '-'.charCodeAt(0);

function array(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function strings(value: unknown): string[] {
  return array(value).map(String);
}

/** The URL as logs and the status page show it: the password replaced. */
export function redactedUrl(url: string): string {
  if (url.startsWith(CLUSTER_SCHEME)) return url.replace(/^(redis\+cluster:\/\/[^:@/]*:)[^@]*@/, '$1***@');
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

function startHint(target: RedisTarget): string {
  if (target.kind === 'cluster') return `a Redis Cluster with a master at ${target.nodes.join(', ')}`;
  try {
    return `redis-server --port ${new URL(target.url).port || '6379'}`;
  } catch {
    return 'redis-server';
  }
}
