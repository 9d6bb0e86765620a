import { isIP, type AddressInfo } from 'node:net';
import { AddressInUseError, ListenFailedError } from '@p2pstream/connection';
import { startMetricsServer } from '@p2pstream/metrics';
import {
  memoryRegistry,
  redisRegistry,
  StateFileError,
  startTracker,
  TrackerError,
  type Registry,
  type RunningTracker,
  type TrackerProblem,
} from '@p2pstream/tracker';
import { WireErrorCode } from '@p2pstream/wire';
import type { CentralConfig } from './cli.js';
import { nextFreePort } from './free-port.js';
import { CentralStartError } from './errors.js';
import type { Log } from './log.js';
import { CentralMetrics } from './metrics.js';
import { STATS_INTERVAL_MS, StatsCollector, statusLine, type CentralStats } from './stats.js';
import { startStatusServer } from './status-server.js';
import { watchPath } from './status-page.js';
import { startStunServer } from './stun-server.js';
import { WatchAssets } from './watch-assets.js';
import { wallClock, type Clock } from '@p2pstream/units';

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
  /** Where the protocol is served over WebSocket (path `/ws`), with `--ws`. */
  readonly ws?: AddressInfo;
  /** Where STUN Binding Requests are answered (UDP), with `--stun`. */
  readonly stun?: AddressInfo;
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
  const clock = dependencies.clock ?? wallClock;
  const registry = await openRegistry(config, log);
  // Known once the status server listens, after the tracker: publishes before that get no URL.
  let watchPages: AddressInfo | undefined;
  const watchPageUrl = (name: string, centralHost: string | undefined) => (watchPages ? watchPageAt(watchPages, name, centralHost) : undefined);
  const running = await startPeerTracker(config, registry, clock, log, watchPageUrl);
  const closers: Array<() => Promise<void>> = [() => running.close()];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close();
  };
  try {
    const collector = new StatsCollector({
      registry,
      counters: running.tracker.counters,
      signals: running.signals.counters,
      dialBacks: running.tracker.dialBack?.counters ?? { reachable: 0, unreachable: 0, busy: 0 },
      reports: running.reports,
      connections: () => running.connections,
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

    const stun = config.stun ? await startStunServer({ ...config.stun, ratePerIp: config.stunRatePerIp, clock }) : undefined;
    if (stun) closers.push(() => stun.close());

    // Watch pages need central's WebSocket endpoint: a page cannot open TCP.
    const webSocket = running.webSocketAddress;
    const watch =
      config.http && webSocket
        ? { page: { wsHost: webSocket.address, wsPort: webSocket.port, iceServers: config.iceServers ?? [] }, assets: await WatchAssets.load() }
        : undefined;
    const http = config.http
      ? await startStatusServer({ ...config.http, registry, latest: () => latest, now: () => clock.now(), ...(watch ? { watch } : {}) })
      : undefined;
    if (http) closers.push(() => http.close());
    if (http && watch) watchPages = http.address;

    const metrics = config.metrics ? await startMetricsServer({ ...config.metrics, source: new CentralMetrics(() => latest) }) : undefined;
    if (metrics) closers.push(() => metrics.close());

    let closing: Promise<void> | undefined;
    return {
      address: running.address,
      ...(running.webSocketAddress ? { ws: running.webSocketAddress } : {}),
      ...(stun ? { stun: stun.address } : {}),
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
  if (config.registry.kind === 'memory') {
    try {
      return memoryRegistry({
        ...(config.state === undefined ? {} : { stateFile: config.state }),
        onStateError: (error) => log.error(`central: ${error.message}`),
      });
    } catch (error) {
      if (error instanceof StateFileError) throw new CentralStartError(error.code, error.message, { cause: error });
      throw error;
    }
  }
  try {
    return await redisRegistry(config.registry.url, {
      onStatus: (status) => (status.state === 'down' ? log.error(`central: ${status.message}`) : log.info(`central: ${status.message}`)),
    });
  } catch (error) {
    if (error instanceof TrackerError && error.code === WireErrorCode.registryUnavailable) {
      throw new CentralStartError('REGISTRY_UNAVAILABLE', error.message, { cause: error });
    }
    throw error;
  }
}

/** The tracker from `@p2pstream/tracker` on `--host`/`--port`; a failure to listen says which flag to change. */
async function startPeerTracker(
  config: CentralConfig,
  registry: Registry,
  clock: Clock,
  log: Log,
  watchPageUrl: (name: string, centralHost: string | undefined) => string | undefined,
): Promise<RunningTracker> {
  try {
    return await startTracker({
      ...config.tracker,
      watchPageUrl,
      registry,
      clock,
      host: config.host,
      port: config.port,
      maxConnections: config.maxConnections,
      maxConnectionsPerIp: config.maxConnectionsPerIp,
      limits: config.addressLimits,
      signals: config.signals,
      reports: config.reports,
      dialBack: config.dialBack,
      ...(config.ws ? { webSocket: config.ws } : {}),
      onProblem: (problem) => log.error(problemLine(problem)),
    });
  } catch (error) {
    const ws = config.ws;
    if ((error instanceof AddressInUseError || error instanceof ListenFailedError) && ws && error.host === ws.host && error.port === ws.port) {
      throw new CentralStartError(
        error.code === 'ADDRESS_IN_USE' ? 'ADDRESS_IN_USE' : 'LISTEN_FAILED',
        `cannot serve WebSocket on ${ws.host}:${ws.port} (${(error.cause as Error | undefined)?.message ?? error.message}) — choose another port with --ws (0 picks a free one)`,
        { cause: error },
      );
    }
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

/**
 * The watch page of stream `name` on the status server at `http`: at its host, or, when it
 * listens on every interface, at the address the publisher reached central on (which reaches
 * this machine from where the publisher is; 127.0.0.1 when unknown).
 */
export function watchPageAt(http: AddressInfo, name: string, centralHost: string | undefined): string {
  const wildcard = http.address === '0.0.0.0' || http.address === '::';
  const host = wildcard ? (centralHost ?? '127.0.0.1') : http.address;
  return `http://${isIP(host) === 6 ? `[${host}]` : host}:${http.port}${watchPath(name)}`;
}

function problemLine(problem: TrackerProblem): string {
  switch (problem.kind) {
    case 'sweep':
      return `central: sweeping the registry failed: ${problem.error.message}`;
    case 'connection':
      return `central: while serving ${problem.remoteAddress}: ${problem.error.stack ?? problem.error.message}`;
    case 'listener':
      return `central: the listening socket failed: ${problem.error.message}`;
  }
}
