import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  DEFAULT_BAN_MS,
  DEFAULT_BAN_THRESHOLD,
  DEFAULT_CONNECT_BURST_PER_IP,
  DEFAULT_CONNECT_RATE_PER_IP,
  DEFAULT_FIRST_MESSAGE_TIMEOUT_MS,
  DEFAULT_MAX_PENDING_HANDSHAKES_PER_IP,
  ADDRESS_LIMIT_OPTIONS,
  addressLimitsFromFlags,
  type ServerLimits,
} from '@p2pstream/connection';
import { MAX_LOOKUP_PEERS, MAX_SIGNAL_BYTES } from '@p2pstream/wire';
import {
  ANNOUNCE_BURST_SECONDS,
  DEFAULT_ANNOUNCE_INTERVAL_MS,
  DEFAULT_ANNOUNCE_RATE_PER_IP,
  DEFAULT_HOST,
  DEFAULT_INTERVAL_JITTER,
  DEFAULT_TRACKER_MAX_CONNECTIONS,
  DEFAULT_TRACKER_MAX_CONNECTIONS_PER_IP,
  DEFAULT_MAX_ENTRIES_PER_IP,
  DEFAULT_HEAD_CACHE_AGE_MS,
  DEFAULT_MAX_LOOKUP_PEERS,
  DEFAULT_MAX_STREAMS_PER_IP,
  DEFAULT_PORT,
  DEFAULT_REPORT_RATE_PER_CONNECTION,
  DEFAULT_DIAL_BACK_TIMEOUT_MS,
  DEFAULT_MAX_DIAL_BACKS,
  DEFAULT_SIGNAL_RATE_PER_CONNECTION,
  DEFAULT_STREAM_GRACE_MS,
  REPORT_BURST_SECONDS,
  SIGNAL_BURST_SECONDS,
  DEFAULT_STREAM_QUOTA_WINDOW_MS,
  PEER_TTL_PER_INTERVAL,
  parseRedisTarget,
  resolveTrackerSettings,
  type TrackerSettings,
} from '@p2pstream/tracker';
import { parseDuration, parseHostPort, parseIceServer, parseInteger, parsePositive, UsageError, type HostPort, type IceServer } from '@p2pstream/units';
import { DEFAULT_STUN_RATE_PER_IP, STUN_BURST_SECONDS } from './stun-server.js';

/** Where `--metrics` listens when given only a port: this machine only. */
export const DEFAULT_METRICS_HOST = '127.0.0.1';

export const HELP = `Usage: p2pstream-central [options]
       npx nx run central:serve -- [options]

The p2pstream tracker: the live directory of which peers carry which stream.
Peers publish a stream name (signed with the stream's key), announce the
streams they carry, look up peers for a name, and list what is on.

Options:
  --host HOST                  address to listen on (default ${DEFAULT_HOST}: every interface)
  --port PORT                  TCP port for peers (default ${DEFAULT_PORT}; 0 picks a free one)
  --registry memory|URL        where the swarm is kept: memory (default; peers are lost on
                               exit, name bindings kept in the --state file),
                               redis://[user:password@]host:port/db, or a Redis Cluster as
                               redis+cluster://[user:password@]host:port,host:port (some of
                               its masters); shared by every central pointed at it (peers
                               announced to one are found at all)
  --state FILE|none            where the memory registry keeps which key owns which name, so
                               a restart does not free them for another key (default
                               ${'$'}XDG_STATE_HOME/p2pstream/central-names.json, or
                               ~/.local/state/p2pstream/central-names.json without it;
                               none keeps nothing)
  --interval DURATION          how often peers are told to re-announce, spread by ±${DEFAULT_INTERVAL_JITTER * 100}%
                               (default ${DEFAULT_ANNOUNCE_INTERVAL_MS / 1000}s)
  --ttl DURATION               a peer that has not announced for this long is dropped; must
                               be longer than the interval plus its spread (default 4/3 of
                               the interval: ${(DEFAULT_ANNOUNCE_INTERVAL_MS * PEER_TTL_PER_INTERVAL) / 1000}s)
  --grace DURATION             a stream with no peers left stays listed this long (default ${DEFAULT_STREAM_GRACE_MS / 1000}s)
  --max-peers N                peers returned per look-up at most, 1-${MAX_LOOKUP_PEERS} (default ${DEFAULT_MAX_LOOKUP_PEERS})
  --announce-rate N            announces and publishes per second from one IP address, on
                               average; ${ANNOUNCE_BURST_SECONDS} seconds' worth may come at once (default ${DEFAULT_ANNOUNCE_RATE_PER_IP})
  --max-streams-per-ip N       distinct streams one IP address may publish or announce
                               within ${DEFAULT_STREAM_QUOTA_WINDOW_MS / 60_000} minutes (default ${DEFAULT_MAX_STREAMS_PER_IP})
  --max-entries-per-ip N       ports one IP address may announce for one stream at once,
                               over every central on a Redis registry (default ${DEFAULT_MAX_ENTRIES_PER_IP})
  --head-cache-age DURATION    a viewer's (unsigned) announce may use a stream head read from
                               the registry this long ago; 0 reads it every time (default ${DEFAULT_HEAD_CACHE_AGE_MS}ms)
  --max-connections N          connections held at once (default ${DEFAULT_TRACKER_MAX_CONNECTIONS})
  --max-connections-per-ip N   connections held at once from one IP address (an IPv6 /64
                               counts as one address; default ${DEFAULT_TRACKER_MAX_CONNECTIONS_PER_IP})
  --max-handshakes-per-ip N    connections from one IP address still in their handshake
                               at once (default ${DEFAULT_MAX_PENDING_HANDSHAKES_PER_IP})
  --connect-rate-per-ip N      new connections per second one IP address may open, on
                               average (default ${DEFAULT_CONNECT_RATE_PER_IP})
  --connect-burst-per-ip N     new connections one IP address may open at once before
                               that rate applies (default ${DEFAULT_CONNECT_BURST_PER_IP})
  --first-message-timeout DURATION
                               a connection that says hello and then asks nothing for
                               this long is closed (default ${DEFAULT_FIRST_MESSAGE_TIMEOUT_MS / 1000}s)
  --ban-score N                misbehaviour score that bans an IP address: a protocol
                               violation scores 25, a silent connection 10, and scores
                               fade by N over the ban time (default ${DEFAULT_BAN_THRESHOLD})
  --ban-time DURATION          how long a ban lasts (default ${DEFAULT_BAN_MS / 60_000}m)
  --ws [HOST:]PORT             also serve peers over WebSocket at ws://HOST:PORT/ws (for
                               browsers, which cannot open TCP), under the same limits as
                               TCP; a bare PORT listens on --host (default: off)
  --signal-rate N              WebRTC signals per second one connection may relay through
                               central, on average; ${SIGNAL_BURST_SECONDS} seconds' worth may come at once
                               (default ${DEFAULT_SIGNAL_RATE_PER_CONNECTION})
  --max-signal-bytes N         bytes of one relayed signal at most, 1-${MAX_SIGNAL_BYTES} (default ${MAX_SIGNAL_BYTES})
  --dial-back-timeout DURATION central dials each peer back once at the port it announced,
                               to learn whether others can dial it; a peer that does not
                               answer within this is unreachable (behind a NAT): look-ups
                               list reachable peers first and mark the others, for WebRTC;
                               0 turns dial-backs off (default ${DEFAULT_DIAL_BACK_TIMEOUT_MS / 1000}s)
  --max-dial-backs N           dial-backs in flight at once; a peer announcing while all are
                               busy is dialed back at a later announce (default ${DEFAULT_MAX_DIAL_BACKS})
  --report-rate N              QoE reports per second one connection (a watch page) may send,
                               on average; ${REPORT_BURST_SECONDS} seconds' worth may come at once (default ${DEFAULT_REPORT_RATE_PER_CONNECTION})
  --stun [HOST:]PORT           also answer STUN Binding Requests on UDP HOST:PORT, so WebRTC
                               peers behind a NAT learn their public address from central
                               (peer --ice stun:CENTRAL:PORT); a bare PORT listens on --host
                               (default: off)
  --stun-rate N                STUN requests per second answered for one IP address, on
                               average; ${STUN_BURST_SECONDS} seconds' worth may come at once (default ${DEFAULT_STUN_RATE_PER_IP})
  --http HOST:PORT             serve a status page at / and JSON at /stats.json; with --ws
                               also a watch page at /watch/NAME that plays the stream in a
                               browser from the swarm (WebRTC data channels to peers run
                               with --webrtc)
  --ice URL                    a STUN or TURN server the watch pages use to reach peers:
                               stun:HOST[:PORT] or turn:USER:PASS@HOST[:PORT]; repeatable
                               (default: none; host candidates suffice on one LAN)
  --metrics HOST:PORT          serve Prometheus metrics at http://HOST:PORT/metrics; a bare
                               PORT listens on ${DEFAULT_METRICS_HOST}
  --stats FILE                 append a JSON line of statistics every second to FILE
                               (- for stdout; log lines then go to stderr)
  -h, --help                   show this help and exit
  --version                    print the version and exit

DURATION is a number with a unit: 500ms, 15s, 2m; a bare number is seconds.

Examples:
  npx nx run central:serve
  npx nx run central:serve -- --port 2046 --http 127.0.0.1:8045
  npx nx run central:serve -- --ws 2044
  npx nx run central:serve -- --ws 2044 --stun 3478
  npx nx run central:serve -- --registry redis://127.0.0.1:6379/0
  npx nx run central:serve -- --registry redis+cluster://10.0.0.1:7000,10.0.0.2:7000
`;

export type RegistryChoice = { readonly kind: 'memory' } | { readonly kind: 'redis'; readonly url: string };

/** Everything central needs to start, from its command line. */
export interface CentralConfig {
  readonly host: string;
  readonly port: number;
  readonly registry: RegistryChoice;
  /** The memory registry's name bindings file; undefined with `--state none` or a Redis registry. */
  readonly state?: string;
  readonly tracker: TrackerSettings;
  readonly maxConnections: number;
  readonly maxConnectionsPerIp: number;
  /** The per-address limits of the connection layer that have flags (handshakes, connect rate, first-message deadline, bans). */
  readonly addressLimits: ServerLimits;
  /** Where `--ws` serves the protocol over WebSocket. */
  readonly ws?: HostPort;
  /** `--signal-rate` and `--max-signal-bytes`. */
  readonly signals: { readonly signalRate: number; readonly maxSignalBytes: number };
  /** `--report-rate`: QoE reports per second per connection. */
  readonly reports: { readonly reportRate: number };
  /** `--dial-back-timeout` (0: no dial-backs) and `--max-dial-backs`. */
  readonly dialBack: { readonly timeout: number; readonly maxConcurrent: number };
  /** Where `--stun` answers Binding Requests (UDP). */
  readonly stun?: HostPort;
  /** `--stun-rate`: requests answered per second per IP address. */
  readonly stunRatePerIp: number;
  readonly http?: HostPort;
  /** `--ice`: STUN/TURN servers handed to watch pages, in the order given. */
  readonly iceServers?: readonly IceServer[];
  /** Where `--metrics` serves Prometheus text. */
  readonly metrics?: HostPort;
  readonly stats?: string;
}

export type CommandLine = { readonly action: 'help' } | { readonly action: 'version' } | { readonly action: 'run'; readonly config: CentralConfig };

/**
 * Where the memory registry keeps its name bindings when `--state` is not given:
 * `$P2PSTREAM_STATE_DIR/central-names.json`, else `$XDG_STATE_HOME/p2pstream/central-names.json`,
 * else `~/.local/state/p2pstream/central-names.json`.
 */
export function defaultStatePath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env['P2PSTREAM_STATE_DIR'] || join(env['XDG_STATE_HOME'] || join(homedir(), '.local', 'state'), 'p2pstream');
  return join(base, 'central-names.json');
}

export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CommandLine {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        registry: { type: 'string' },
        state: { type: 'string' },
        interval: { type: 'string' },
        ttl: { type: 'string' },
        grace: { type: 'string' },
        'max-peers': { type: 'string' },
        'announce-rate': { type: 'string' },
        'max-streams-per-ip': { type: 'string' },
        'max-entries-per-ip': { type: 'string' },
        'head-cache-age': { type: 'string' },
        'max-connections': { type: 'string' },
        ...ADDRESS_LIMIT_OPTIONS,
        ws: { type: 'string' },
        'signal-rate': { type: 'string' },
        'max-signal-bytes': { type: 'string' },
        'report-rate': { type: 'string' },
        'dial-back-timeout': { type: 'string' },
        'max-dial-backs': { type: 'string' },
        stun: { type: 'string' },
        'stun-rate': { type: 'string' },
        http: { type: 'string' },
        ice: { type: 'string', multiple: true },
        metrics: { type: 'string' },
        stats: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  if (v.help) return { action: 'help' };
  if (v.version) return { action: 'version' };

  const interval = v.interval === undefined ? undefined : parseDuration('--interval', v.interval);
  const ttl = v.ttl === undefined ? undefined : parseDuration('--ttl', v.ttl);
  let tracker: TrackerSettings;
  try {
    tracker = resolveTrackerSettings({
      ...(interval === undefined ? {} : { interval }),
      ...(ttl === undefined ? {} : { ttl }),
      ...(v.grace === undefined ? {} : { grace: parseDuration('--grace', v.grace) }),
      ...(v['max-peers'] === undefined ? {} : { maxLookupPeers: parseInteger('--max-peers', v['max-peers'], 1, MAX_LOOKUP_PEERS) }),
      ...(v['announce-rate'] === undefined ? {} : { announceRate: parsePositive('--announce-rate', v['announce-rate']) }),
      ...(v['max-streams-per-ip'] === undefined
        ? {}
        : { maxStreamsPerIp: parseInteger('--max-streams-per-ip', v['max-streams-per-ip'], 1, Number.MAX_SAFE_INTEGER) }),
      ...(v['max-entries-per-ip'] === undefined
        ? {}
        : { maxEntriesPerIp: parseInteger('--max-entries-per-ip', v['max-entries-per-ip'], 1, Number.MAX_SAFE_INTEGER) }),
      ...(v['head-cache-age'] === undefined ? {} : { headCacheAge: parseDuration('--head-cache-age', v['head-cache-age'], 0) }),
    });
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(`--ttl/--interval: ${error.message}`);
    throw error;
  }
  if (v.ice !== undefined && (v.http === undefined || v.ws === undefined)) throw new UsageError('--ice is for the watch pages, which need --http and --ws');
  const registry = registryChoice(v.registry ?? 'memory');
  if (v.state !== undefined && registry.kind !== 'memory') {
    throw new UsageError('--state is for the memory registry; a Redis registry keeps the names itself');
  }
  if (v.state !== undefined && v.state.trim() === '') throw new UsageError('--state takes a FILE, or none to keep no names across restarts');
  const state = registry.kind !== 'memory' || v.state === 'none' ? undefined : (v.state ?? defaultStatePath(env));
  const { maxConnectionsPerIp, ...addressLimits } = addressLimitsFromFlags(v, { maxConnectionsPerIp: DEFAULT_TRACKER_MAX_CONNECTIONS_PER_IP });
  return {
    action: 'run',
    config: {
      host: v.host ?? DEFAULT_HOST,
      port: v.port === undefined ? DEFAULT_PORT : parseInteger('--port', v.port, 0, 65535),
      registry,
      ...(state === undefined ? {} : { state }),
      tracker,
      maxConnections: v['max-connections'] === undefined ? DEFAULT_TRACKER_MAX_CONNECTIONS : parseInteger('--max-connections', v['max-connections'], 1, 1e6),
      maxConnectionsPerIp,
      addressLimits,
      ...(v.ws === undefined ? {} : { ws: parseHostPort('--ws', v.ws, v.host ?? DEFAULT_HOST) }),
      signals: {
        signalRate: v['signal-rate'] === undefined ? DEFAULT_SIGNAL_RATE_PER_CONNECTION : parsePositive('--signal-rate', v['signal-rate']),
        maxSignalBytes: v['max-signal-bytes'] === undefined ? MAX_SIGNAL_BYTES : parseInteger('--max-signal-bytes', v['max-signal-bytes'], 1, MAX_SIGNAL_BYTES),
      },
      reports: { reportRate: v['report-rate'] === undefined ? DEFAULT_REPORT_RATE_PER_CONNECTION : parsePositive('--report-rate', v['report-rate']) },
      dialBack: {
        timeout: v['dial-back-timeout'] === undefined ? DEFAULT_DIAL_BACK_TIMEOUT_MS : parseDuration('--dial-back-timeout', v['dial-back-timeout'], 0),
        maxConcurrent: v['max-dial-backs'] === undefined ? DEFAULT_MAX_DIAL_BACKS : parseInteger('--max-dial-backs', v['max-dial-backs'], 1, 10_000),
      },
      ...(v.stun === undefined ? {} : { stun: parseHostPort('--stun', v.stun, v.host ?? DEFAULT_HOST) }),
      stunRatePerIp: v['stun-rate'] === undefined ? DEFAULT_STUN_RATE_PER_IP : parsePositive('--stun-rate', v['stun-rate']),
      ...(v.http === undefined ? {} : { http: parseHostPort('--http', v.http) }),
      ...(v.ice === undefined ? {} : { iceServers: v.ice.map(parseIceServer) }),
      ...(v.metrics === undefined ? {} : { metrics: parseHostPort('--metrics', v.metrics, DEFAULT_METRICS_HOST) }),
      ...(v.stats === undefined ? {} : { stats: v.stats }),
    },
  };
}

function registryChoice(text: string): RegistryChoice {
  if (text === 'memory') return { kind: 'memory' };
  if (text.startsWith('redis+cluster://')) {
    try {
      parseRedisTarget(text);
    } catch (error) {
      throw new UsageError(`--registry: ${(error as Error).message}`);
    }
    return { kind: 'redis', url: text };
  }
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || !url.hostname) {
    throw new UsageError(`--registry takes memory or a URL like redis://127.0.0.1:6379/0 (redis+cluster://127.0.0.1:7000,127.0.0.1:7001 for a Redis Cluster), not "${text}"`);
  }
  if (url.pathname.length > 1 && !/^\/\d+$/.test(url.pathname)) {
    throw new UsageError(`--registry: the path of a Redis URL is a database number (/0), not "${url.pathname}"`);
  }
  return { kind: 'redis', url: text };
}
