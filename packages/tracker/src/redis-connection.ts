import { createClient, createCluster } from 'redis';
import { CommandDeadlines } from './command-deadlines.js';
import { REDIS_MAX_RECONNECT_DELAY_MS } from './constants.js';

/**
 * Where the registry lives: one Redis (`redis://[user:password@]host:port/db`)
 * or a Redis Cluster named by some of its masters
 * (`redis+cluster://[user:password@]host:port,host:port`; the rest are discovered).
 */
export type RedisTarget =
  | { readonly kind: 'single'; readonly url: string }
  | { readonly kind: 'cluster'; readonly nodes: readonly string[]; readonly username?: string; readonly password?: string };

export const CLUSTER_SCHEME = 'redis+cluster://';

/** Reads a registry URL; throws RangeError for a cluster URL without a host:port. */
export function parseRedisTarget(url: string): RedisTarget {
  if (!url.startsWith(CLUSTER_SCHEME)) return { kind: 'single', url };
  const rest = url.slice(CLUSTER_SCHEME.length).replace(/\/+$/, '');
  const at = rest.lastIndexOf('@');
  const auth = at < 0 ? '' : rest.slice(0, at);
  const nodes = (at < 0 ? rest : rest.slice(at + 1)).split(',').filter((node) => node !== '');
  for (const node of nodes) {
    if (!/^[^:/]+:\d{1,5}$/.test(node) && !/^\[[0-9a-fA-F:.]+\]:\d{1,5}$/.test(node)) {
      throw new RangeError(`a Redis Cluster URL lists host:port of its nodes (${CLUSTER_SCHEME}127.0.0.1:7000,127.0.0.1:7001), not "${node}"`);
    }
  }
  if (nodes.length === 0) throw new RangeError(`a Redis Cluster URL names at least one node: ${CLUSTER_SCHEME}127.0.0.1:7000`);
  const colon = auth.indexOf(':');
  const username = decodeURIComponent(colon < 0 ? auth : auth.slice(0, colon));
  const password = colon < 0 ? undefined : decodeURIComponent(auth.slice(colon + 1));
  return { kind: 'cluster', nodes, ...(username ? { username } : {}), ...(password ? { password } : {}) };
}

/** The part of node-redis the registry uses, the same for one Redis and a cluster. */
export interface RedisConnection {
  /**
   * Sends a command to the node serving `key`'s slot; fails with CommandTimeoutError after `commandTimeout`.
   * `args` goes to node-redis as it is, not copied: the caller builds it for this command alone.
   */
  send(key: string, args: string[]): Promise<unknown>;
  /**
   * Listens on a sharded pub/sub channel (`SSUBSCRIBE`, on the node serving its slot), on a
   * connection of its own: a subscribed connection takes no other commands. node-redis
   * subscribes again by itself after a reconnect.
   */
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  connect(): Promise<unknown>;
  close(): Promise<void>;
  destroy(): void;
}

export interface RedisConnectionEvents {
  connectTimeout: number;
  /** How long a command may wait for its answer. */
  commandTimeout: number;
  /** Whether the first connection was made: before it, a missing Redis is not retried. */
  connected(): boolean;
  onError(error: Error): void;
  onReady(): void;
}

/** node-redis gives every command a 5 s AbortSignal.timeout unless told not to; the CommandDeadlines replace it. */
const NO_PER_COMMAND_TIMEOUT = { timeout: 0 };

export function openRedisConnection(target: RedisTarget, events: RedisConnectionEvents): RedisConnection {
  const socket = {
    connectTimeout: events.connectTimeout,
    // At start-up a missing Redis is the user's to fix; later it is an outage to ride out.
    reconnectStrategy: (retries: number) => (events.connected() ? Math.min(50 * 2 ** retries, REDIS_MAX_RECONNECT_DELAY_MS) : false),
  };
  const deadlines = new CommandDeadlines(events.commandTimeout);
  const closed = () => deadlines.close(new Error('the registry was closed'));
  if (target.kind === 'single') {
    // Fail fast while Redis is away, instead of queueing requests peers are waiting on.
    const client = createClient({ url: target.url, disableOfflineQueue: true, socket, commandOptions: NO_PER_COMMAND_TIMEOUT });
    client.on('error', events.onError);
    client.on('ready', events.onReady);
    let subscriber: ReturnType<typeof client.duplicate> | undefined;
    let subscriberReady: Promise<NonNullable<typeof subscriber>> | undefined;
    // One connection for every subscription, made at the first; a failed first connect is tried afresh next time.
    const subscribed = () =>
      (subscriberReady ??= (async () => {
        const made = (subscriber = client.duplicate());
        made.on('error', events.onError);
        try {
          return await made.connect();
        } catch (error) {
          subscriber = subscriberReady = undefined;
          if (made.isOpen) made.destroy();
          throw error;
        }
      })());
    return {
      send: (_key, args) => deadlines.track(client.sendCommand(args)),
      subscribe: async (channel, listener) => (await subscribed()).sSubscribe(channel, listener),
      unsubscribe: async (channel) => void (await subscriber?.sUnsubscribe(channel)),
      connect: () => client.connect(),
      // A subscribed connection has nothing to finish: it is dropped at once, whether Redis is there or not.
      close: () => {
        if (subscriber?.isOpen) subscriber.destroy();
        return client.close().finally(closed);
      },
      destroy: () => {
        client.destroy();
        if (subscriber?.isOpen) subscriber.destroy();
        closed();
      },
    };
  }
  const cluster = createCluster({
    commandOptions: NO_PER_COMMAND_TIMEOUT,
    rootNodes: target.nodes.map((node) => ({ url: `redis://${node}` })),
    defaults: {
      disableOfflineQueue: true,
      socket,
      ...(target.username ? { username: target.username } : {}),
      ...(target.password ? { password: target.password } : {}),
    },
  });
  cluster.on('error', events.onError);
  cluster.on('node-error', events.onError);
  cluster.on('node-ready', events.onReady);
  return {
    send: (key, args) => deadlines.track(cluster.sendCommand(key, false, args)),
    subscribe: (channel, listener) => cluster.sSubscribe(channel, listener),
    unsubscribe: (channel) => cluster.sUnsubscribe(channel),
    connect: () => cluster.connect(),
    close: () => cluster.close().finally(closed),
    destroy: () => {
      cluster.destroy();
      closed();
    },
  };
}
