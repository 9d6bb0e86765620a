import { UploadLimiter } from '@p2pstream/connection';
import { HttpListenError, startMetricsServer } from '@p2pstream/metrics';
import { startPeerServer, type PeerServer } from '@p2pstream/peer-server';
import { TrackerClient } from '@p2pstream/tracker-client';
import { DEFAULT_CENTRAL, type CommonConfig } from './cli.js';
import type { Lifecycle } from './lifecycle.js';
import type { Log } from './log.js';
import { PeerMetrics } from './metrics.js';
import { StatsFile } from './stats-file.js';
import { userMessage } from './user-errors.js';
import { UserError } from './usage-error.js';

/** The local address to dial from, when `--host` names one (not a wildcard). */
export function localAddressOf(host: string): string | undefined {
  return host === '0.0.0.0' || host === '::' ? undefined : host;
}

/** ` --central A --central B` when not the default, for commands printed for the user to run. */
export function centralFlags(centrals: readonly string[]): string {
  return centrals.length === 1 && centrals[0] === DEFAULT_CENTRAL ? '' : centrals.map((central) => ` --central ${central}`).join('');
}

/** What every peer command builds: its tracker client, peer server, stats file, metrics — each closed at stop. */
export interface PeerNode {
  tracker: TrackerClient;
  server: PeerServer;
  stats: StatsFile | undefined;
  /** With `--metrics`: the command tells it what to report. */
  metrics: PeerMetrics | undefined;
}

export function trackerFor(config: { centrals: readonly string[]; host?: string }, log: Log, lifecycle: Lifecycle): TrackerClient {
  const localAddress = config.host === undefined ? undefined : localAddressOf(config.host);
  const tracker = new TrackerClient({ centrals: config.centrals, ...(localAddress ? { localAddress } : {}) });
  tracker.on('warning', (error) => log.warn(`p2pstream peer: central: ${userMessage(error)}`));
  lifecycle.add(() => tracker.close());
  return tracker;
}

/** Starts the metrics server, the peer server (then the tracker client, unless one is given, and the stats file). */
export async function startPeerNode(
  config: CommonConfig & { readonly listen?: boolean },
  log: Log,
  lifecycle: Lifecycle,
  existing?: TrackerClient,
): Promise<PeerNode> {
  let metrics: PeerMetrics | undefined;
  if (config.metrics !== undefined) {
    metrics = new PeerMetrics();
    const metricsServer = await startMetricsServer({ ...config.metrics, source: metrics }).catch((error: unknown) => {
      // The message names --metrics and what to do; as a UserError it is shown as it is.
      throw error instanceof HttpListenError ? new UserError(error.message, '', { cause: error }) : error;
    });
    // Added first, so it closes last: the numbers stay readable while the peer stops.
    lifecycle.add(() => metricsServer.close());
    log.info(`p2pstream peer: metrics at ${metricsServer.url}`);
  }
  const uploadLimiter = config.uploadLimit === undefined ? undefined : new UploadLimiter({ bytesPerSecond: config.uploadLimit });
  let server: PeerServer;
  try {
    server = await startPeerServer({
      host: config.host,
      port: config.port,
      slots: { slots: config.uploadSlots },
      maxQueueDelayMs: config.maxUploadQueueMs,
      ...(config.superSeedMs !== undefined ? { superSeedMs: config.superSeedMs } : {}),
      maxPeersPerStream: config.maxServedPeers,
      limits: config.addressLimits,
      ...(uploadLimiter ? { uploadLimiter } : {}),
      // `--no-listen`: it serves only over connections this peer dials (symmetric connections).
      ...(config.listen === false ? { listen: false } : {}),
    });
  } catch (error) {
    throw new UserError(userMessage(error), '', { cause: error });
  }
  lifecycle.add(() => server.close());
  server.on('warning', (error) => log.warn(`p2pstream peer: ${error.message}`));
  if (config.listen !== false && config.port !== 0 && server.port !== config.port) {
    log.info(`p2pstream peer: port ${config.port} on ${config.host} is in use; listening on port ${server.port} instead`);
  }
  const tracker = existing ?? trackerFor(config, log, lifecycle);
  let stats: StatsFile | undefined;
  if (config.stats !== undefined) {
    const file = new StatsFile(config.stats, (error) => log.warn(`p2pstream peer: cannot write --stats ${config.stats}: ${error.message}`));
    stats = file;
    // Added before the command's own cleanups, so it runs after them: the last line is written at stop.
    lifecycle.add(() => file.close());
  }
  return { tracker, server, stats, metrics };
}

/** Runs `tick` every `ms` until the command stops, and once more at stop. */
export function every(ms: number, lifecycle: Lifecycle, tick: () => void): void {
  const timer = setInterval(tick, ms);
  lifecycle.add(() => {
    clearInterval(timer);
    tick();
  });
}
