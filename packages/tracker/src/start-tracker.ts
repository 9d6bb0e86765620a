import type { AddressInfo } from 'node:net';
import {
  ConnectionError,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_WEBSOCKET_PATH,
  listen,
  type ConnectionServer,
  type ServerLimits,
} from '@p2pstream/connection';
import { FRAME_HEADER_BYTES, WireErrorCode } from '@p2pstream/wire';
import {
  DEFAULT_HOST,
  DEFAULT_TRACKER_MAX_CONNECTIONS,
  DEFAULT_TRACKER_MAX_CONNECTIONS_PER_IP,
  DEFAULT_PORT,
  DEFAULT_SWEEP_INTERVAL_MS,
} from './constants.js';
import { RegistryUnavailableError } from './errors.js';
import { MemoryRegistry } from './memory-registry.js';
import type { Registry } from './registry.js';
import { Tracker, type TrackerOptions } from './tracker.js';
import { DialBack, type DialBackOptions } from './dial-back.js';
import { trackerHandlers } from './tracker-handlers.js';
import { CrossCentralSignals, type CrossCentralSignalsOptions } from './cross-central-signals.js';
import { SignalRouter, type SignalRouterOptions } from './signal-router.js';
import { listenWebSocket, type WebSocketEndpoint } from './websocket-endpoint.js';
import { ViewerReports, type ViewerReportsOptions } from './viewer-reports.js';

/** Where central also serves the protocol over WebSocket (`ws://host:port/path`), for peers that cannot open TCP. */
export interface WebSocketListenOptions {
  /** @default the tracker's host */
  host?: string;
  /** 0 picks a free port; `RunningTracker.webSocketAddress` says which. */
  port: number;
  /** @default '/ws' */
  path?: string;
}

/** WebSocket messages up to this size are taken whatever the frame limit: a sender batches small frames into messages of 64 KiB. */
const MIN_WEBSOCKET_MESSAGE_BYTES = 64 * 1024;

/** A problem no request is answered for; the tracker goes on. */
export type TrackerProblem =
  /** Sweeping expired entries out of the registry failed (an unreachable Redis is not reported here: the registry says so itself). */
  | { readonly kind: 'sweep'; readonly error: Error }
  /** Serving one connection failed in a way that is not the peer's doing (a bug): that connection got INTERNAL_ERROR. */
  | { readonly kind: 'connection'; readonly error: Error; readonly remoteAddress: string }
  /** The listening socket failed (e.g. out of file descriptors). */
  | { readonly kind: 'listener'; readonly error: Error };

export interface StartTrackerOptions extends Omit<TrackerOptions, 'registry' | 'dialBack'> {
  /**
   * Where the swarm is kept. The running tracker owns it: `close()` closes it,
   * and so does a start that fails.
   * @default memoryRegistry()
   */
  registry?: Registry;
  /** @default '0.0.0.0' (every IPv4 interface) */
  host?: string;
  /** 0 picks a free port; `RunningTracker.port` says which. @default 2045 */
  port?: number;
  /** @default 4096 */
  maxConnections?: number;
  /** @default 64 */
  maxConnectionsPerIp?: number;
  /**
   * Per-address limits of the connection layer (`maxPendingHandshakesPerIp`,
   * `connectRatePerIp`, `connectBurstPerIp`, `firstMessageTimeout`, …), over its defaults.
   * `maxConnections` and `maxConnectionsPerIp` above take precedence.
   */
  limits?: ServerLimits;
  /**
   * How often expired entries and streams past their grace are removed from the registry.
   * @default the shorter of 5_000 and the TTL
   */
  sweepInterval?: number;
  /** @default a process warning */
  onProblem?: (problem: TrackerProblem) => void;
  /** Serve the same protocol, under the same limits, over WebSocket too. @default no WebSocket endpoint */
  webSocket?: WebSocketListenOptions;
  /**
   * Dial-backs of announced entries: the timeout of each (0: none) and how many at once.
   * @default { timeout: 2_000, maxConcurrent: 32 }
   */
  dialBack?: DialBackOptions;
  /**
   * Limits of `signal` relaying (rate per connection, payload size). On a registry that
   * shares pub/sub (Redis), signals reach entries announced to the other centrals too.
   */
  signals?: Omit<SignalRouterOptions, 'clock' | 'crossCentral'> & CrossCentralSignalsOptions;
  /** Limits of viewers' QoE `report`s (rate per connection). */
  reports?: Omit<ViewerReportsOptions, 'clock'>;
}

/** A tracker listening for peers in this process. */
export interface RunningTracker {
  /** Where peers connect (the real port when 0 was asked for). */
  readonly address: AddressInfo;
  readonly port: number;
  /** Where the WebSocket endpoint listens, when `webSocket` was given. */
  readonly webSocketAddress: AddressInfo | undefined;
  /** Relays `signal` between entries (announced here, or to another central on a shared registry): its `counters`. */
  readonly signals: SignalRouter;
  /** The QoE viewers connected now report (the watch pages do): `summary()`, and its `counters`. */
  readonly reports: ViewerReports;
  /** The policy: its `settings` and `counters` (requests handled, refusals by code). */
  readonly tracker: Tracker;
  readonly registry: Registry;
  /** Peer connections held now. */
  readonly connections: number;
  /** Stops accepting, closes every connection (`SHUTTING_DOWN`), stops sweeping and closes the registry. */
  close(): Promise<void>;
}

/**
 * Starts central's tracker in this process: the tracker protocol on TCP over
 * `@p2pstream/connection` (role `central`, chunk frames refused), answered by a
 * `Tracker` over `registry`, swept on a timer. Rejects with the connection
 * layer's `AddressInUseError` or `ListenFailedError` when it cannot listen.
 */
export async function startTracker(options: StartTrackerOptions = {}): Promise<RunningTracker> {
  const registry: Registry = options.registry ?? new MemoryRegistry();
  const onProblem = options.onProblem ?? warn;
  let tracker: Tracker;
  let server: ConnectionServer | undefined;
  let signals: SignalRouter;
  let reports: ViewerReports;
  let webSocket: WebSocketEndpoint | undefined;
  try {
    tracker = new Tracker({ ...options, registry, dialBack: new DialBack(options.dialBack) });
    const crossCentral = registry.signalPubSub ? new CrossCentralSignals(registry.signalPubSub(), options.signals) : undefined;
    signals = new SignalRouter({ ...options.signals, ...(crossCentral ? { crossCentral } : {}), ...(options.clock ? { clock: options.clock } : {}) });
    reports = new ViewerReports({ ...options.reports, ...(options.clock ? { clock: options.clock } : {}) });
    server = await listen({
      host: options.host ?? DEFAULT_HOST,
      port: options.port ?? DEFAULT_PORT,
      role: 'central',
      limits: {
        ...options.limits,
        maxChunkBytes: 0,
        maxConnections: options.maxConnections ?? DEFAULT_TRACKER_MAX_CONNECTIONS,
        maxConnectionsPerIp: options.maxConnectionsPerIp ?? DEFAULT_TRACKER_MAX_CONNECTIONS_PER_IP,
        // A peer that only announces is silent for a whole interval: never close it for that.
        idleTimeout: Math.max(options.limits?.idleTimeout ?? DEFAULT_IDLE_TIMEOUT_MS, 2 * tracker.settings.ttl),
      },
      handlers: trackerHandlers(tracker, signals, reports),
    });
    if (options.webSocket) {
      webSocket = await listenWebSocket({
        host: options.webSocket.host ?? options.host ?? DEFAULT_HOST,
        port: options.webSocket.port,
        path: options.webSocket.path ?? DEFAULT_WEBSOCKET_PATH,
        server,
        maxMessageBytes: Math.max(MIN_WEBSOCKET_MESSAGE_BYTES, FRAME_HEADER_BYTES + server.limits.maxControlBytes),
        headersTimeout: server.limits.handshakeTimeout,
      });
    }
  } catch (error) {
    await server?.close();
    await registry.close();
    throw error;
  }
  server.on('connection', (connection) => {
    connection.on('error', (error: NodeJS.ErrnoException) => {
      // A peer resetting its socket (or breaking its WebSocket) is its business; anything else here is a bug worth reporting.
      if (!error.syscall && !(error instanceof ConnectionError)) onProblem({ kind: 'connection', error, remoteAddress: connection.remoteAddress });
    });
  });
  server.on('error', (error) => onProblem({ kind: 'listener', error }));

  const sweeper = setInterval(() => {
    tracker.sweep().catch((error: unknown) => {
      if (!(error instanceof RegistryUnavailableError)) onProblem({ kind: 'sweep', error: error as Error });
    });
  }, options.sweepInterval ?? Math.min(DEFAULT_SWEEP_INTERVAL_MS, tracker.settings.ttl));

  const address = server.address();
  let closing: Promise<void> | undefined;
  return {
    address,
    port: address.port,
    webSocketAddress: webSocket?.address,
    signals,
    reports,
    tracker,
    registry,
    get connections() {
      return server.connections.size;
    },
    close: () =>
      (closing ??= (async () => {
        clearInterval(sweeper);
        // The listener stops taking upgrades at once; it finishes closing once the connection server has closed the upgraded sockets.
        const webSocketClosed = webSocket?.close();
        try {
          await server.close({ code: WireErrorCode.shuttingDown, message: 'central is shutting down; try another central or reconnect later' });
          await webSocketClosed;
        } finally {
          signals.close();
          await registry.close();
        }
      })()),
  };
}

function warn(problem: TrackerProblem): void {
  const where = problem.kind === 'connection' ? ` while serving ${problem.remoteAddress}` : problem.kind === 'sweep' ? ' while sweeping the registry' : ' on the listening socket';
  process.emitWarning(`p2pstream tracker: ${problem.error.message}${where}`, { code: 'P2PSTREAM_TRACKER', detail: problem.error.stack });
}
