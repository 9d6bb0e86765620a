import type { AddressInfo } from 'node:net';
import { AddressInUseError, DEFAULT_IDLE_TIMEOUT_MS, listen, ListenFailedError, type ConnectionServer } from '@p2pstream/connection';
import type { CentralConfig } from './cli.js';
import { systemClock, type Clock } from './clock.js';
import { DEFAULT_SWEEP_INTERVAL_MS, STATS_INTERVAL_MS } from './constants.js';
import { nextFreePort } from './free-port.js';
import { CentralStartError, RegistryUnavailableError } from './errors.js';
import type { Log } from './log.js';
import { MemoryRegistry } from './memory-registry.js';
import { CentralMetrics } from './metrics.js';
import { startMetricsServer } from './metrics-server.js';
import { RedisRegistry } from './redis-registry.js';
import type { Registry } from './registry.js';
import { StatsCollector, statusLine, type CentralStats } from './stats.js';
import { startStatusServer } from './status-server.js';
import { Tracker } from './tracker.js';
import { trackerHandlers } from './tracker-handlers.js';

export interface CentralDependencies {
  readonly log: Log;
  /** Called with each reading, once a second (for `--stats`). */
  readonly onStats?: (stats: CentralStats) => void;
  /** @default the system's wall clock */
  readonly clock?: Clock;
}

/** A running central. */
export interface Central {
  /** Where peers connect (the real port when 0 was asked for). */
  readonly address: AddressInfo;
  /** Where the status page is served, with `--http`. */
  readonly http?: AddressInfo;
  /** Where Prometheus metrics are served, with `--metrics`. */
  readonly metrics?: AddressInfo;
  /** `memory` or the Redis URL (password hidden). */
  readonly registry: string;
  /** Stops accepting, closes every connection, the status page, the metrics and the registry. */
  close(): Promise<void>;
}

/** Builds the registry, the tracker, the server, the status page and the metrics from the command line's config. */
export async function startCentral(config: CentralConfig, dependencies: CentralDependencies): Promise<Central> {
  const { log } = dependencies;
  const clock = dependencies.clock ?? systemClock;
  const registry = await openRegistry(config, log);
  const tracker = new Tracker({ registry, clock, ...config.tracker });
  const closers: Array<() => Promise<void>> = [() => registry.close()];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close();
  };
  try {
    const server = await listenForPeers(config, tracker, log);
    closers.push(() => server.close({ code: 'SHUTTING_DOWN', message: 'central is shutting down; try another central or reconnect later' }));

    const sweeper = setInterval(() => {
      tracker.sweep().catch((error: unknown) => {
        // An unreachable Redis is already reported once by the registry itself.
        if (!(error instanceof RegistryUnavailableError)) log.error(`central: sweeping the registry failed: ${(error as Error).message}`);
      });
    }, Math.min(DEFAULT_SWEEP_INTERVAL_MS, tracker.settings.ttl));
    closers.push(async () => clearInterval(sweeper));

    const collector = new StatsCollector({
      registry,
      counters: tracker.counters,
      connections: () => server.connections.size,
      now: () => clock.now(),
    });
    let latest = await collector.read();
    const ticker = setInterval(() => {
      void collector.read().then((stats) => {
        latest = stats;
        log.status(statusLine(stats));
        dependencies.onStats?.(stats);
      });
    }, STATS_INTERVAL_MS);
    closers.push(async () => {
      clearInterval(ticker);
      log.clearStatus();
    });

    const http = config.http
      ? await startStatusServer({ ...config.http, registry, latest: () => latest, now: () => clock.now() })
      : undefined;
    if (http) closers.push(() => http.close());

    const metrics = config.metrics ? await startMetricsServer({ ...config.metrics, source: new CentralMetrics(() => latest) }) : undefined;
    if (metrics) closers.push(() => metrics.close());

    let closing: Promise<void> | undefined;
    return {
      address: server.address(),
      ...(http ? { http: http.address } : {}),
      ...(metrics ? { metrics: metrics.address } : {}),
      registry: registry.description,
      close: () => (closing ??= closeAll()),
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

async function openRegistry(config: CentralConfig, log: Log): Promise<Registry> {
  if (config.registry.kind === 'memory') return new MemoryRegistry();
  try {
    return await RedisRegistry.connect({
      url: config.registry.url,
      onStatus: (status) => (status.state === 'down' ? log.error(`central: ${status.message}`) : log.info(`central: ${status.message}`)),
    });
  } catch (error) {
    if (error instanceof RegistryUnavailableError) throw new CentralStartError('REGISTRY_UNAVAILABLE', error.message, { cause: error });
    throw error;
  }
}

async function listenForPeers(config: CentralConfig, tracker: Tracker, log: Log): Promise<ConnectionServer> {
  try {
    const server = await listen({
      host: config.host,
      port: config.port,
      role: 'central',
      limits: {
        maxChunkBytes: 0,
        maxConnections: config.maxConnections,
        maxConnectionsPerIp: config.maxConnectionsPerIp,
        // A peer that only announces is silent for a whole interval: never close it for that.
        idleTimeout: Math.max(DEFAULT_IDLE_TIMEOUT_MS, 2 * tracker.settings.ttl),
      },
      handlers: trackerHandlers(tracker),
    });
    server.on('connection', (connection) => {
      connection.on('error', (error: NodeJS.ErrnoException) => {
        // A peer resetting its socket is its business; anything else here is a bug worth a line.
        if (!error.syscall) log.error(`central: while serving ${connection.remoteAddress}: ${error.stack ?? error.message}`);
      });
    });
    server.on('error', (error) => log.error(`central: the listening socket failed: ${error.message}`));
    return server;
  } catch (error) {
    if (error instanceof AddressInUseError) {
      const free = await nextFreePort(config.host, config.port);
      const suggestion = free === undefined ? '--port 0 picks a free one' : `--port ${free} is free`;
      throw new CentralStartError(
        'ADDRESS_IN_USE',
        `port ${config.port} on ${config.host} is already in use (another central?) — stop that program, or choose another port with --port (${suggestion})`,
        { cause: error },
      );
    }
    if (error instanceof ListenFailedError) {
      throw new CentralStartError(
        'LISTEN_FAILED',
        `cannot listen on ${config.host}:${config.port} (${(error.cause as Error | undefined)?.message ?? error.message}) — check --host (an address of this machine, or 0.0.0.0) and --port`,
        { cause: error },
      );
    }
    throw error;
  }
}
