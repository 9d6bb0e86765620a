import { createClient, ErrorReply } from 'redis';
import {
  DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
  DEFAULT_REDIS_CONNECT_TIMEOUT_MS,
  DEFAULT_REDIS_PREFIX,
  REDIS_MAX_RECONNECT_DELAY_MS,
} from './constants.js';
import { RegistryUnavailableError } from './errors.js';
import {
  compareStreams,
  peerKey,
  type Announcement,
  type LookupResult,
  type PeerAddress,
  type PeerRecord,
  type Publication,
  type PublishOutcome,
  type Registry,
  type RegistryCounts,
  type StreamSummary,
  type SweepResult,
} from './registry.js';
import { ANNOUNCE, LEAVE, LOOKUP, PUBLISH, STREAMS, SWEEP, type RedisScript } from './redis-scripts.js';

export interface RedisRegistryOptions {
  /** `redis://[user:password@]host:port/db` */
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
  /** Told when Redis goes away (once) and when it is back. */
  onStatus?: (status: RedisStatus) => void;
}

export type RedisStatus =
  | { readonly state: 'down'; readonly message: string }
  | { readonly state: 'up'; readonly message: string };

/** The part of the node-redis client this registry uses. */
interface RedisConnection {
  sendCommand(args: readonly string[], options?: { timeout?: number }): Promise<unknown>;
  connect(): Promise<unknown>;
  close(): Promise<void>;
  destroy(): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
}

/**
 * The registry shared by several central processes through one Redis (a
 * single instance or a primary; not Redis Cluster: the scripts touch keys
 * they compute). Every operation is one Lua script, so it is atomic.
 */
export class RedisRegistry implements Registry {
  readonly description: string;
  readonly #client: RedisConnection;
  readonly #prefix: string;
  readonly #commandTimeout: number;

  private constructor(client: RedisConnection, options: RedisRegistryOptions) {
    this.#client = client;
    this.description = redactedUrl(options.url);
    this.#prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
    this.#commandTimeout = options.commandTimeout ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS;
  }

  /**
   * Connects, or rejects with `REGISTRY_UNAVAILABLE` saying how to start Redis.
   * Once connected, it reconnects by itself whenever Redis goes away; meanwhile
   * every operation fails at once with `REGISTRY_UNAVAILABLE`.
   */
  static async connect(options: RedisRegistryOptions): Promise<RedisRegistry> {
    const description = redactedUrl(options.url);
    let ready = false;
    let down = false;
    let lastError = '';
    const client: RedisConnection = createClient({
      url: options.url,
      // Fail fast while Redis is away, instead of queueing requests peers are waiting on.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: options.connectTimeout ?? DEFAULT_REDIS_CONNECT_TIMEOUT_MS,
        // At start-up a missing Redis is the user's to fix; later it is an outage to ride out.
        reconnectStrategy: (retries) => (ready ? Math.min(50 * 2 ** retries, REDIS_MAX_RECONNECT_DELAY_MS) : false),
      },
    });
    client.on('error', (error) => {
      lastError = error.message;
      if (ready && !down) {
        down = true;
        options.onStatus?.({ state: 'down', message: `lost Redis at ${description} (${error.message}); retrying` });
      }
    });
    client.on('ready', () => {
      if (down) options.onStatus?.({ state: 'up', message: `Redis at ${description} is back` });
      down = false;
    });
    try {
      await client.connect();
    } catch (error) {
      client.destroy();
      throw new RegistryUnavailableError(
        `cannot reach Redis at ${description} (${lastError || (error as Error).message}) — start it with: ` +
          `redis-server --port ${portOf(options.url)} (or run central with --registry memory)`,
        { cause: error },
      );
    }
    ready = true;
    return new RedisRegistry(client, options);
  }

  async publish({ name, stream, live, ts }: Publication): Promise<PublishOutcome> {
    const reply = strings(await this.#run(PUBLISH, [this.#key('name', name), this.#key('stream', stream)], [stream, name, live ? '1' : '0', String(ts)]));
    switch (reply[0]) {
      case 'published':
        return { result: 'published' };
      case 'name-taken':
        return { result: 'name-taken', holder: reply[1]! };
      case 'key-bound':
        return { result: 'key-bound', name: reply[1]! };
      default:
        return { result: 'replayed', lastTs: Number(reply[1]) };
    }
  }

  async announce(a: Announcement): Promise<boolean> {
    const keys = [this.#key('stream', a.stream), this.#key('peers', a.stream), this.#key('edges', a.stream), this.#key('visible'), this.#key('sources', a.stream)];
    const live = a.live === undefined ? '' : a.live ? '1' : '0';
    const args = [a.stream, peerKey(a), String(a.expiresAt), String(a.edge), String(a.visibleUntil), live, a.source ? '1' : '0'];
    return Number(await this.#run(ANNOUNCE, keys, args)) === 1;
  }

  async leave(stream: string, peers: readonly PeerAddress[], now: number, visibleUntil: number): Promise<number> {
    if (peers.length === 0) return 0;
    const keys = [this.#key('peers', stream), this.#key('edges', stream), this.#key('visible'), this.#key('sources', stream), this.#key('stream', stream)];
    return Number(await this.#run(LEAVE, keys, [stream, String(now), String(visibleUntil), ...peers.map(peerKey)]));
  }

  async lookup(name: string, now: number, maxCandidates: number): Promise<LookupResult | undefined> {
    const reply = await this.#run(LOOKUP, [this.#key('name', name)], [this.#prefix, String(now), String(maxCandidates)]);
    if (reply === null || reply === undefined) return undefined;
    const [id, streamName, live, edge, count, picked, viewers] = array(reply);
    const members = strings(picked);
    const entries: PeerRecord[] = [];
    for (let i = 0; i + 1 < members.length; i += 2) entries.push({ ...parsePeerKey(members[i]!), edge: Number(members[i + 1]) });
    return {
      stream: { name: String(streamName), stream: String(id), live: live === '1', edge: Number(edge), peers: Number(count), viewers: Number(viewers) },
      // The script's random half may repeat a top-edge entry; the sampler drops repeats.
      candidates: entries,
    };
  }

  async list(now: number, limit: number): Promise<StreamSummary[]> {
    return (await this.#streams(now)).sort(compareStreams).slice(0, limit);
  }

  async counts(now: number): Promise<RegistryCounts> {
    const streams = await this.#streams(now);
    return { streams: streams.length, peers: streams.reduce((sum, stream) => sum + stream.peers, 0) };
  }

  async sweep(now: number): Promise<SweepResult> {
    const [peers, streams] = array(await this.#run(SWEEP, [this.#key('visible')], [this.#prefix, String(now)]));
    return { peers: Number(peers), streams: Number(streams) };
  }

  async close(): Promise<void> {
    try {
      await this.#client.close();
    } catch {
      // Closing while Redis is away: nothing is pending (the offline queue is off), so drop the socket.
      this.#client.destroy();
    }
  }

  async #streams(now: number): Promise<StreamSummary[]> {
    const rows = array(await this.#run(STREAMS, [this.#key('visible')], [this.#prefix, String(now)]));
    return rows.map((row) => {
      const [stream, name, live, edge, peers, viewers] = array(row);
      return { stream: String(stream), name: String(name), live: live === '1', edge: Number(edge), peers: Number(peers), viewers: Number(viewers) };
    });
  }

  #key(kind: 'name' | 'stream' | 'peers' | 'edges' | 'sources' | 'visible', id = ''): string {
    return kind === 'visible' ? `${this.#prefix}visible` : `${this.#prefix}${kind}:${id}`;
  }

  /** Runs a script by its hash, loading it when this Redis has not seen it (a fresh or restarted server). */
  async #run(script: RedisScript, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    const rest = [String(script.keys), ...keys, ...args];
    const options = { timeout: this.#commandTimeout };
    try {
      try {
        return await this.#client.sendCommand(['EVALSHA', script.sha, ...rest], options);
      } catch (error) {
        if (!(error instanceof ErrorReply && error.message.startsWith('NOSCRIPT'))) throw error;
        return await this.#client.sendCommand(['EVAL', script.source, ...rest], options);
      }
    } catch (error) {
      // A reply error is a bug in a script, not an outage: let it surface as it is.
      if (error instanceof ErrorReply) throw error;
      throw new RegistryUnavailableError(`central cannot reach its Redis registry (${(error as Error).message}); try again shortly`, {
        cause: error,
      });
    }
  }
}

function parsePeerKey(key: string): PeerAddress {
  const space = key.lastIndexOf(' ');
  return { host: key.slice(0, space), port: Number(key.slice(space + 1)) };
}

function array(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function strings(value: unknown): string[] {
  return array(value).map(String);
}

/** The URL as logs and the status page show it: the password replaced. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

function portOf(url: string): string {
  try {
    return new URL(url).port || '6379';
  } catch {
    return '6379';
  }
}
