import { parseArgs } from 'node:util';
import {
  DEFAULT_BAN_MS,
  DEFAULT_BAN_THRESHOLD,
  DEFAULT_CONNECT_BURST_PER_IP,
  DEFAULT_CONNECT_RATE_PER_IP,
  DEFAULT_FIRST_MESSAGE_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS_PER_IP,
  DEFAULT_MAX_PENDING_HANDSHAKES_PER_IP,
  ADDRESS_LIMIT_OPTIONS,
  addressLimitsFromFlags,
  type ServerLimits,
} from '@p2pstream/connection';
import { DEFAULT_STORE_CACHE_BYTES, MAX_CHUNK_BYTES } from '@p2pstream/data';
import {
  DEFAULT_MAX_PEERS_PER_STREAM,
  DEFAULT_MAX_QUEUE_DELAY_MS,
  DEFAULT_PEER_HOST,
  DEFAULT_PEER_PORT,
  DEFAULT_SUPER_SEED_MS,
  DEFAULT_UPLOAD_SLOTS,
} from '@p2pstream/peer-server';
import { DEFAULT_FINISHED_CHUNK_MS, DEFAULT_FINISHED_MS_PER_MIB, DEFAULT_MAX_CHUNK_SKEW_MS, DEFAULT_MAX_PEERS, DEFAULT_MAX_WEBRTC_SETUPS, DEFAULT_WEBRTC_OPEN_TIMEOUT_MS } from '@p2pstream/peer-client';
import { DEFAULT_LIVE_OFFSET_MS, DEFAULT_MAX_LATENCY_MS } from '@p2pstream/scheduler';
import { NAME_PATTERN } from '@p2pstream/wire';
import { PLAYERS, type PlayerName } from './player.js';
import { parseDuration, parseHostPort, parseIceServer, parseInteger, parseMediaTime, parseRate, parseSize, UsageError, type HostPort, type IceServer } from '@p2pstream/units';

export const DEFAULT_CENTRAL = '127.0.0.1:2045';
/** Where `--http` listens when given only a port: this machine only. */
export const DEFAULT_HTTP_HOST = '127.0.0.1';
/** How long a live stream may bring no new chunk before watch says its publisher may be gone (`--silence`). */
export const DEFAULT_SILENCE_MS = 30_000;

/** What `watch` holds a live stream at without `--behind` or `--latency`: each chunk played 2 s after it could first be announced. */
export const DEFAULT_LATENCY_MS = 2000;
/** The longest `--silence`: an hour. */
const MAX_SILENCE_MS = 3_600_000;

/**
 * `--max-chunk-skew` range: below 10 s a viewer a few seconds behind, or with a
 * clock a little off, would refuse honest chunks; a day is beyond any clock error.
 */
const MIN_CHUNK_SKEW_MS = 10_000;
const MAX_CHUNK_SKEW_MS = 86_400_000;

/** The longest `--max-upload-queue` (an hour): far beyond any request's timeout, so in effect no limit (to compare with one). */
const MAX_UPLOAD_QUEUE_MS = 3_600_000;

/** The longest `--super-seed` (a minute): a viewer that reaches no other holder of a chunk may wait this long for it. */
const MAX_SUPER_SEED_MS = 60_000;

/**
 * What `publish` cuts a FILE published finished at, without `--chunk-size`: four times the
 * Chunker's default (which live streams keep), as a viewer's CPU goes mostly into per-chunk
 * work (a signature check, a request, a scheduling decision); viewers pace by the chunks' size.
 */
export const DEFAULT_FINISHED_FILE_CHUNK_BYTES = 256 * 1024;

/** The slowest `--finished-pace`: at 10 s a chunk a finished stream's chunks would hardly ever be urgent. */
const MAX_FINISHED_PACE_MS = 10_000;

/** The most `--behind` takes: well inside the 60 s of chunks a peer keeps of a live stream. */
const MAX_BEHIND_MS = 30_000;
/** The most `--cache` takes (4 GiB): a finished stream's chunks are on disk, and more would be holding the stream in memory, which the cache is there to avoid. */
const MAX_CACHE_BYTES = 4 * 1024 ** 3;

/** The most `--webrtc-timeout` takes: a set-up that has not connected in a minute will not. */
const MAX_WEBRTC_TIMEOUT_MS = 60_000;

/** Where `--metrics` listens when given only a port: this machine only. */
export const DEFAULT_METRICS_HOST = '127.0.0.1';

const COMMON_HELP = `Common options:
  --central HOST:PORT    central to use; repeat to spread peers over several and fail
                         over between them (default ${DEFAULT_CENTRAL})
  --host ADDRESS         address to listen on, and to dial other peers from, so they
                         see this peer as it (default ${DEFAULT_PEER_HOST}; e.g. 127.0.0.7)
  --port PORT            port of this peer's server (default ${DEFAULT_PEER_PORT}; the next free one
                         if taken; 0 lets the system pick)
  --upload-limit RATE    cap on what this peer uploads: 2mbit, 500k, 1.5MB/s (bits
                         when written "bit", bytes otherwise; default no cap)
  --upload-slots N       peers uploaded to at once; a freed slot goes to the peer that
                         has waited longest (default ${DEFAULT_UPLOAD_SLOTS})
  --max-upload-queue D   answer a chunk request BUSY (the asker fetches it elsewhere) when
                         the answers already waiting would hold it back longer than this,
                         at the rate they have been leaving: 500ms, 2s (default ${DEFAULT_MAX_QUEUE_DELAY_MS}ms;
                         up to 1h, which in effect turns it off)
  --max-peers N          peers to fetch from at once, 1-50 (default ${DEFAULT_MAX_PEERS})
  --max-served-peers N   peers that may join each stream this peer serves; more are
                         told to dial another (default ${DEFAULT_MAX_PEERS_PER_STREAM})
  --max-connections-per-ip N
                         connections other peers at one IP address may hold to
                         this peer (an IPv6 /64 counts as one; default ${DEFAULT_MAX_CONNECTIONS_PER_IP})
  --max-handshakes-per-ip N
                         of those, still in their handshake at once (default ${DEFAULT_MAX_PENDING_HANDSHAKES_PER_IP})
  --connect-rate-per-ip N
                         new connections per second one IP address may open to
                         this peer, on average (default ${DEFAULT_CONNECT_RATE_PER_IP})
  --connect-burst-per-ip N
                         new connections one IP address may open at once before
                         that rate applies (default ${DEFAULT_CONNECT_BURST_PER_IP})
  --first-message-timeout DURATION
                         a peer that connects, says hello and then asks nothing
                         for this long is closed (default ${DEFAULT_FIRST_MESSAGE_TIMEOUT_MS / 1000}s)
  --ban-score N          misbehaviour score that bans an IP address from this
                         peer's server: a protocol violation scores 25, a silent
                         connection 10, fading by N over the ban time (default ${DEFAULT_BAN_THRESHOLD})
  --ban-time DURATION    how long a ban lasts (default ${DEFAULT_BAN_MS / 60_000}m)
  --cache SIZE           memory for a finished stream's chunks, which are kept on
                         disk (the published file; watch --out FILE's file; or a
                         scratch file in $TMPDIR, deleted on exit, for chunks not
                         written there yet), each of chunks read back and chunks
                         not written yet, so up to about twice it in all:
                         16MiB, 64MiB, 1GiB (default ${DEFAULT_STORE_CACHE_BYTES / 2 ** 20}MiB)
  --webrtc               reach peers over WebRTC data channels set up through
                         central's signal relay, and answer their offers (TCP
                         stays the default; peers that take no signals are still
                         dialed over TCP)
  --webrtc-setups N      with --webrtc, data-channel set-ups answered at once
                         (default ${DEFAULT_MAX_WEBRTC_SETUPS})
  --webrtc-timeout DURATION
                         with --webrtc, how long a set-up may take until its
                         channel is open (default ${DEFAULT_WEBRTC_OPEN_TIMEOUT_MS / 1000}s)
  --ice URL              with --webrtc, a STUN or TURN server for reaching peers
                         behind NAT: stun:HOST[:PORT], turn:USER:PASS@HOST[:PORT];
                         repeat for several (default none: host addresses only,
                         enough on one machine or LAN)
  --stats FILE           append a JSON line of statistics every second to FILE
  --metrics HOST:PORT    serve Prometheus metrics at http://HOST:PORT/metrics; a
                         bare PORT listens on ${DEFAULT_METRICS_HOST}
  -h, --help             show help and exit
`;

export const HELP = `Usage: npx nx run peer:serve -- <command> [options]
       p2pstream-peer <command> [options]

Peer-to-peer live streaming: publish a stream, watch it, or relay it. Every
peer re-shares what it fetches, so the publisher's upload does not limit the
audience. Start central first: npx nx run central:serve

Commands:
  publish NAME --source FILE|-   publish a stream (stdin is live; a file is a
                                 finished stream unless --realtime or --loop)
  watch [NAME]                   play a stream to stdout, a file or HTTP; with
                                 no NAME, shows what is on and asks
  relay NAME                     fetch a stream and re-serve it without playing
  list                           what is on: name, live or finished, viewers

${COMMON_HELP}
Run "<command> --help" for the options of one command. Examples:
  npx nx run central:serve
  ffmpeg -re -i movie.mp4 -c copy -f mpegts - | npx nx run peer:serve -- publish cam1 --source -
  npx nx run peer:serve -- watch cam1 --http 8080   # then: mpv http://127.0.0.1:8080/stream.ts
  npx nx run peer:serve -- list

Nx passes output on as text, with lines of its own, which breaks media on stdout:
to pipe a stream into a player, run the program through npm (stdin through nx is fine):
  npm run -s peer -- watch cam1 --out - | mpv -
`;

/** The options of the commands that fetch (watch, relay): how they reach peers. */
const FETCHING_HELP = `  --no-symmetric         one direction per connection, as peers before symmetric
                         connections: do not upload to the peers this one dialed,
                         nor fetch from those that dialed it (by default each
                         pair of peers shares one connection both ways, so a
                         peer behind NAT uploads to the peers it reached)
  --no-listen            accept no connections (as behind a NAT that drops them):
                         not listed at central; uploads only to the peers it
                         dials, over those connections`;

export const COMMAND_HELP = {
  publish: `Usage: npx nx run peer:serve -- publish NAME --source FILE|- [options]

Publishes a stream under NAME. The first publish of a name creates a key for it
(a 0600 file under ~/.config/p2pstream/keys, or --key FILE) and central binds
the name to that key; only that key can publish the name again.

  --source FILE|-        what to publish: - reads stdin as a live stream (e.g.
                         ffmpeg ... -f mpegts -); a FILE is a finished stream,
                         viewable from any point, unless --realtime or --loop
  --realtime             play the FILE out as if live, at its own pace (MPEG-TS
                         timestamps, or --bitrate)
  --bitrate RATE         the source's rate (e.g. 2mbit) for pacing a --format raw
                         file, which has no timestamps; implies --realtime
  --loop                 play the FILE again from the start when it ends (live,
                         never ends; implies --realtime)
  --key FILE             the stream's key file (created, mode 0600, once central
                         accepts the publish, if missing)
  --super-seed DURATION  for a FILE: send each chunk to one viewer first, and refuse
                         it to the others for this long, so they fetch it from each
                         other and this upload goes into chunks nobody has yet: 1500ms,
                         1.5s (a bare number is seconds; default ${DEFAULT_SUPER_SEED_MS}ms; 0 turns it off;
                         a viewer alone is never refused)
  --chunk-size SIZE      for a FILE published finished: cut it into chunks of this
                         size (default ${DEFAULT_FINISHED_FILE_CHUNK_BYTES / 1024}KiB, at most ${MAX_CHUNK_BYTES / 2 ** 20}MiB; a viewer pays a
                         signature check and a request per chunk, so bigger chunks
                         cost viewers less CPU per byte; viewers pace by the size
                         they receive and need no setting)
  --format ts|raw        ts (default): the source must be MPEG-TS, and is refused
                         otherwise; raw: publish any bytes as they are — viewers
                         get them with --out, but the web page, /stream.ts players
                         and HLS will not play them
  --no-symmetric         taken, and changes nothing: a publisher never dials, so
                         its connections go one way (see watch --help)

${COMMON_HELP}
Examples:
  ffmpeg -re -i movie.mp4 -c copy -f mpegts - | npx nx run peer:serve -- publish cam1 --source -
  npx nx run peer:serve -- publish film --source movie.ts
  npx nx run peer:serve -- publish cam1 --source clip.ts --realtime --loop
`,
  watch: `Usage: npx nx run peer:serve -- watch [NAME] [options]

Plays a stream while it arrives, and re-shares it. A live stream starts a few
seconds behind the newest chunk and skips what misses its deadline; a finished
stream plays from the start (or --from) and never skips, and watch exits when it
has written the last chunk. With no NAME it shows what is on and asks.

  --out -|FILE           write the stream (MPEG-TS) to stdout (-) or to FILE;
                         the default when stdout is not a terminal is -
  --http HOST:PORT       serve a web page at http://HOST:PORT/ that plays the
                         stream beside a live view of the swarm, the stream
                         itself at /stream.ts for VLC or mpv, and HLS at
                         /live.m3u8; a bare PORT listens on ${DEFAULT_HTTP_HOST}
                         (this machine only)
  --from TIME            where to start a finished stream: 90, 1:30, 1:02:03, 90s,
                         1h2m (media time; from the video keyframe at or before it;
                         a time past the end is refused, exit 2)
  --mpv | --vlc | --ffplay
                         start that player on the stream (over --http, on a free
                         port of ${DEFAULT_HTTP_HOST} unless given) and stop when it exits,
                         with its exit code
  --latency TIME         play each live chunk this long after the fastest peer could
                         announce it (2s, 1500ms; default ${DEFAULT_LATENCY_MS / 1000}s), following that estimate
                         as it improves; a chunk that comes later is waited for (play
                         pauses) and the wait kept as delay, up to --max-latency, then
                         caught up at 1.05x after 10 s without a wait
  --max-latency TIME     the most delay --latency falls back to before a late chunk is
                         skipped (default ${DEFAULT_MAX_LATENCY_MS / 1000}s; the same as --latency: skip at once)
  --behind TIME          instead of --latency: start this far behind the newest chunk
                         (4s, 2.5, 1500ms; ${DEFAULT_LIVE_OFFSET_MS / 1000}s was the default before --latency),
                         plus a 2 s start-up delay, and skip what comes too late
  --silence TIME         a live stream that brings no new chunk from anyone for
                         this long is reported: "the publisher may be gone"
                         (default ${DEFAULT_SILENCE_MS / 1000}s); watch keeps waiting unless --exit-on-silence
  --exit-on-silence      stop then, with exit code 3
  --finished-pace TIME   how fast the playhead moves over a finished stream, per
                         chunk: chunks it nears are fetched first, from whoever is
                         fastest (default: by the chunks' size, ${DEFAULT_FINISHED_MS_PER_MIB / 16}ms per 64KiB, so
                         ${(DEFAULT_FINISHED_MS_PER_MIB * DEFAULT_FINISHED_FILE_CHUNK_BYTES) / 2 ** 20}ms for the ${DEFAULT_FINISHED_FILE_CHUNK_BYTES / 1024}KiB chunks publish cuts a file at,
                         ${DEFAULT_FINISHED_CHUNK_MS}ms until the first chunk arrives); this overrides it
  --max-chunk-skew TIME  refuse a live chunk whose signed time is further than this
                         from this machine's clock, as a replay of old chunks
                         (default ${DEFAULT_MAX_CHUNK_SKEW_MS / 60_000}m; raise it only for a publisher whose
                         clock is far off)
${FETCHING_HELP}

A live stream ends when its publisher signs its end (Ctrl-C or SIGTERM of the
publisher): watch prints "NAME ended (publisher stopped)" and exits 0.

${COMMON_HELP}
Examples:
  npx nx run peer:serve -- watch cam1 --http 8080     # then open http://127.0.0.1:8080/ in a browser
  npx nx run peer:serve -- watch film --out film.ts
  npx nx run peer:serve -- watch film --mpv --from 1:30
  npm run -s peer -- watch cam1 --out - | mpv -      # -s: no npm banner in the stream
                                  # (not through nx, which passes output on as text)
`,
  relay: `Usage: npx nx run peer:serve -- relay NAME [options]

Fetches a stream and re-serves it without playing it: a seed box that adds
upload capacity to a swarm. Keeps serving a finished stream until stopped.

  --max-chunk-skew TIME  refuse a live chunk whose signed time is further than this
                         from this machine's clock, as a replay of old chunks
                         (default ${DEFAULT_MAX_CHUNK_SKEW_MS / 60_000}m; raise it only for a publisher whose
                         clock is far off)
${FETCHING_HELP}

${COMMON_HELP}
Example:
  npx nx run peer:serve -- relay cam1 --upload-limit 20mbit
`,
  list: `Usage: npx nx run peer:serve -- list [options]

Prints what is on (name, live or finished, viewers, chunks) as a table on stdout.

  --central HOST:PORT    central to ask; repeat to spread peers over several and fail
                         over between them (default ${DEFAULT_CENTRAL})
  -h, --help             show help and exit
`,
} as const;

export type CommandName = keyof typeof COMMAND_HELP;

export interface CommonConfig {
  readonly centrals: readonly string[];
  readonly host: string;
  readonly port: number;
  /** Bytes per second, when capped. */
  readonly uploadLimit: number | undefined;
  readonly uploadSlots: number;
  /** `--max-upload-queue`, ms. */
  readonly maxUploadQueueMs: number;
  readonly maxPeers: number;
  readonly maxServedPeers: number;
  /** The per-address limits of this peer's server that have flags. */
  readonly addressLimits: ServerLimits;
  readonly stats: string | undefined;
  /** `--super-seed` (publish only), ms; the peer server's default when unset. */
  readonly superSeedMs?: number | undefined;
  /** `--cache`: bytes of a finished stream's chunks kept in memory; the libraries' default when unset. */
  readonly cacheBytes?: number | undefined;
  /** Where `--metrics` serves Prometheus text. */
  readonly metrics?: HostPort | undefined;
  /** `--webrtc`: set-ups answered at once and the time each may take; TCP only when unset. */
  readonly webrtc?: WebRTCConfig | undefined;
}

export interface WebRTCConfig {
  readonly maxSetups: number;
  readonly openTimeoutMs: number;
  /** `--ice`: STUN/TURN servers, in the order given. */
  readonly iceServers: readonly IceServer[];
}

export interface PublishConfig extends CommonConfig {
  readonly command: 'publish';
  readonly name: string;
  /** A path, or `-` for stdin. */
  readonly source: string;
  readonly realtime: boolean;
  /** Bits per second, for pacing by bitrate. */
  readonly bitrate: number | undefined;
  readonly loop: boolean;
  readonly key: string | undefined;
  /** `ts`: the source must be MPEG-TS; `raw`: any bytes, published as they are. */
  readonly format: SourceFormat;
  /** `--chunk-size`: bytes a finished FILE's chunks are cut at (`DEFAULT_FINISHED_FILE_CHUNK_BYTES` without it); unset for a live source, cut on time. */
  readonly chunkBytes?: number | undefined;
}

export type SourceFormat = 'ts' | 'raw';

export interface WatchConfig extends CommonConfig {
  readonly command: 'watch' | 'relay';
  readonly name: string | undefined;
  readonly out: string | undefined;
  readonly http: HostPort | undefined;
  /** `--from`: where a finished stream starts, in media milliseconds. */
  readonly fromMs: number | undefined;
  /** `--mpv`, `--vlc`, `--ffplay`: the player to start on the stream. */
  readonly player: PlayerName | undefined;
  /** How far behind the newest chunk a live stream starts (`--behind`); unset, the stream is held at `latencyMs`. */
  readonly behindMs: number | undefined;
  /**
   * `--latency`: play each live chunk this long after it could first be announced (the
   * scheduler's `targetLatencyMs`); `DEFAULT_LATENCY_MS` without it, unset with `--behind`.
   */
  readonly latencyMs: number | undefined;
  /** `--max-latency`: the most delay the latency falls back to (the scheduler's `maxLatencyMs`); unset with `--behind`. */
  readonly maxLatencyMs: number | undefined;
  /** `--silence`: no new chunk of a live stream for this long is reported. */
  readonly silenceMs: number;
  /** `--exit-on-silence`: then stop (exit 3) instead of waiting on. */
  readonly exitOnSilence: boolean;
  /** `--max-chunk-skew`: a live chunk signed further than this from the clock is refused; the peer-client's default when unset. */
  readonly maxChunkSkewMs: number | undefined;
  /** `--finished-pace`: ms a finished stream's playhead moves per chunk; unset, the peer-client paces by the chunks' size. */
  readonly finishedChunkMs: number | undefined;
  /** One connection per pair of peers, both ways (off with `--no-symmetric`). */
  readonly symmetric: boolean;
  /** Accept connections (off with `--no-listen`: the server serves only over connections this peer dials). */
  readonly listen: boolean;
}

export interface ListConfig {
  readonly command: 'list';
  readonly centrals: readonly string[];
}

export type CommandLine =
  | { readonly action: 'help'; readonly text: string }
  | { readonly action: 'version' }
  | { readonly action: 'run'; readonly config: PublishConfig | WatchConfig | ListConfig };

const COMMON_OPTIONS = {
  central: { type: 'string', multiple: true },
  host: { type: 'string' },
  port: { type: 'string' },
  'upload-limit': { type: 'string' },
  'upload-slots': { type: 'string' },
  'max-upload-queue': { type: 'string' },
  'max-served-peers': { type: 'string' },
  'max-peers': { type: 'string' },
  ...ADDRESS_LIMIT_OPTIONS,
  cache: { type: 'string' },
  webrtc: { type: 'boolean' },
  'webrtc-setups': { type: 'string' },
  'webrtc-timeout': { type: 'string' },
  ice: { type: 'string', multiple: true },
  stats: { type: 'string' },
  metrics: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const FETCHING_OPTIONS = {
  'no-symmetric': { type: 'boolean' },
  'no-listen': { type: 'boolean' },
} as const;

const OPTIONS = {
  publish: {
    ...COMMON_OPTIONS,
    source: { type: 'string' },
    realtime: { type: 'boolean' },
    bitrate: { type: 'string' },
    loop: { type: 'boolean' },
    key: { type: 'string' },
    format: { type: 'string' },
    'chunk-size': { type: 'string' },
    'super-seed': { type: 'string' },
    // Taken so one set of flags runs a whole swarm (e.g. the harness's --peer-arg); a publisher never dials, so it changes nothing.
    'no-symmetric': { type: 'boolean' },
  },
  watch: {
    ...COMMON_OPTIONS,
    out: { type: 'string' },
    http: { type: 'string' },
    from: { type: 'string' },
    behind: { type: 'string' },
    latency: { type: 'string' },
    'max-latency': { type: 'string' },
    silence: { type: 'string' },
    'exit-on-silence': { type: 'boolean' },
    'max-chunk-skew': { type: 'string' },
    'finished-pace': { type: 'string' },
    ...FETCHING_OPTIONS,
    mpv: { type: 'boolean' },
    vlc: { type: 'boolean' },
    ffplay: { type: 'boolean' },
  },
  relay: { ...COMMON_OPTIONS, 'max-chunk-skew': { type: 'string' }, ...FETCHING_OPTIONS },
  list: { central: COMMON_OPTIONS.central, help: COMMON_OPTIONS.help },
} as const;

export function parseCommandLine(argv: readonly string[]): CommandLine {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') return { action: 'help', text: HELP };
  if (first === '--version') return { action: 'version' };
  if (!(first in OPTIONS)) throw new UsageError(`unknown command "${first}": use publish, watch, relay or list`);
  const command = first as CommandName;
  let parsed;
  try {
    parsed = parseArgs({ args: rest, strict: true, allowPositionals: true, options: OPTIONS[command] });
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message}`);
  }
  const values = parsed.values as Record<string, string | string[] | boolean | undefined>;
  if (values.help) return { action: 'help', text: COMMAND_HELP[command] };
  const positionals = parsed.positionals;
  const centrals = (values.central as string[] | undefined) ?? [DEFAULT_CENTRAL];
  if (command === 'list') {
    if (positionals.length > 0) throw new UsageError(`list takes no name, not "${positionals[0]}"`);
    return { action: 'run', config: { command, centrals } };
  }
  if (positionals.length > 1) throw new UsageError(`${command} takes one stream name, not ${positionals.length}`);
  const name = positionals[0];
  if (name !== undefined && !NAME_PATTERN.test(name)) {
    throw new UsageError(`"${name}" is not a stream name: 1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit`);
  }
  const common: CommonConfig = {
    centrals,
    host: (values.host as string | undefined) ?? DEFAULT_PEER_HOST,
    port: values.port === undefined ? DEFAULT_PEER_PORT : parseInteger('--port', values.port as string, 0, 65535),
    uploadLimit: values['upload-limit'] === undefined ? undefined : parseRate('--upload-limit', values['upload-limit'] as string),
    uploadSlots: values['upload-slots'] === undefined ? DEFAULT_UPLOAD_SLOTS : parseInteger('--upload-slots', values['upload-slots'] as string, 1, 1024),
    maxUploadQueueMs:
      values['max-upload-queue'] === undefined
        ? DEFAULT_MAX_QUEUE_DELAY_MS
        : parseDuration('--max-upload-queue', values['max-upload-queue'] as string, 1, MAX_UPLOAD_QUEUE_MS),
    maxPeers: values['max-peers'] === undefined ? DEFAULT_MAX_PEERS : parseInteger('--max-peers', values['max-peers'] as string, 1, 50),
    maxServedPeers:
      values['max-served-peers'] === undefined
        ? DEFAULT_MAX_PEERS_PER_STREAM
        : parseInteger('--max-served-peers', values['max-served-peers'] as string, 1, 10_000),
    addressLimits: addressLimitsFromFlags(values),
    cacheBytes: values.cache === undefined ? undefined : parseSize('--cache', values.cache as string, MAX_CACHE_BYTES),
    stats: values.stats as string | undefined,
    metrics: values.metrics === undefined ? undefined : parseHostPort('--metrics', values.metrics as string, DEFAULT_METRICS_HOST),
    webrtc: parseWebRTCFlags(values),
  };
  if (command === 'publish') {
    if (name === undefined) throw new UsageError('publish needs a stream name: publish NAME --source FILE|-');
    const source = values.source as string | undefined;
    if (source === undefined) throw new UsageError('publish needs --source FILE, or --source - to read a live stream from stdin');
    const loop = values.loop === true;
    if (source === '-' && (loop || values.realtime || values.bitrate !== undefined)) {
      throw new UsageError('--realtime, --bitrate and --loop pace a FILE; stdin (--source -) is live already');
    }
    const bitrate = values.bitrate === undefined ? undefined : parseRate('--bitrate', values.bitrate as string) * 8;
    const realtime = values.realtime === true || loop || bitrate !== undefined;
    if (values['chunk-size'] !== undefined && (source === '-' || realtime)) {
      throw new UsageError('--chunk-size cuts a FILE published finished; a live stream is cut on time');
    }
    const format = (values.format as string | undefined) ?? 'ts';
    if (format !== 'ts' && format !== 'raw') throw new UsageError(`--format is ts (MPEG-TS, the default) or raw (any bytes), not "${format}"`);
    return {
      action: 'run',
      config: {
        ...common,
        command,
        name,
        source,
        realtime,
        bitrate,
        loop,
        key: values.key as string | undefined,
        format,
        chunkBytes:
          source === '-' || realtime
            ? undefined
            : values['chunk-size'] === undefined
              ? DEFAULT_FINISHED_FILE_CHUNK_BYTES
              : parseSize('--chunk-size', values['chunk-size'] as string, MAX_CHUNK_BYTES),
        superSeedMs: values['super-seed'] === undefined ? undefined : parseDuration('--super-seed', values['super-seed'] as string, 0, MAX_SUPER_SEED_MS),
      },
    };
  }
  if (command === 'relay' && name === undefined) throw new UsageError('relay needs a stream name: relay NAME');
  const players = PLAYERS.filter((player) => values[player] === true);
  if (players.length > 1) throw new UsageError(`watch starts one player: --${players.join(' or --')}, not both`);
  if (values.behind !== undefined && values.latency !== undefined) throw new UsageError('--behind and --latency both say where live play starts: give one');
  if (values.behind !== undefined && values['max-latency'] !== undefined) throw new UsageError('--max-latency bounds --latency; --behind skips what comes late: leave one out');
  const latencyMs = values.behind !== undefined ? undefined : values.latency === undefined ? DEFAULT_LATENCY_MS : parseDuration('--latency', values.latency as string, 0, MAX_BEHIND_MS);
  const maxLatencyMs =
    latencyMs === undefined ? undefined : values['max-latency'] === undefined ? Math.max(latencyMs, DEFAULT_MAX_LATENCY_MS) : parseDuration('--max-latency', values['max-latency'] as string, 0, MAX_BEHIND_MS);
  if (latencyMs !== undefined && maxLatencyMs! < latencyMs) {
    throw new UsageError(`--max-latency ${values['max-latency'] as string} is less than the latency it bounds (${latencyMs / 1000}s): give at least that`);
  }
  const listen = values['no-listen'] !== true;
  if (!listen && common.webrtc) throw new UsageError('--no-listen answers no offers: leave out --webrtc');
  if (players.length > 0 && values.out === '-') throw new UsageError(`--${players[0]} plays the stream itself: leave out --out - (or pipe --out - into a player of your own)`);
  return {
    action: 'run',
    config: {
      ...common,
      command,
      name,
      out: values.out as string | undefined,
      http: values.http === undefined ? undefined : parseHostPort('--http', values.http as string, DEFAULT_HTTP_HOST),
      fromMs: values.from === undefined ? undefined : parseMediaTime('--from', values.from as string),
      player: players[0],
      behindMs: values.behind === undefined ? undefined : parseDuration('--behind', values.behind as string, 0, MAX_BEHIND_MS),
      latencyMs,
      maxLatencyMs,
      silenceMs: values.silence === undefined ? DEFAULT_SILENCE_MS : parseDuration('--silence', values.silence as string, 1, MAX_SILENCE_MS),
      exitOnSilence: values['exit-on-silence'] === true,
      maxChunkSkewMs:
        values['max-chunk-skew'] === undefined ? undefined : parseDuration('--max-chunk-skew', values['max-chunk-skew'] as string, MIN_CHUNK_SKEW_MS, MAX_CHUNK_SKEW_MS),
      finishedChunkMs:
        values['finished-pace'] === undefined ? undefined : parseDuration('--finished-pace', values['finished-pace'] as string, 1, MAX_FINISHED_PACE_MS),
      symmetric: values['no-symmetric'] !== true,
      listen,
    },
  };
}

/** `--webrtc`, its limits and ICE servers; any of those without `--webrtc` is a mistake worth saying. */
function parseWebRTCFlags(values: Record<string, string | string[] | boolean | undefined>): WebRTCConfig | undefined {
  const setups = values['webrtc-setups'] as string | undefined;
  const timeout = values['webrtc-timeout'] as string | undefined;
  const ice = (values.ice as string[] | undefined) ?? [];
  if (values.webrtc !== true) {
    if (setups !== undefined || timeout !== undefined || ice.length > 0) throw new UsageError(`--webrtc-setups, --webrtc-timeout and --ice need --webrtc`);
    return undefined;
  }
  return {
    maxSetups: setups === undefined ? DEFAULT_MAX_WEBRTC_SETUPS : parseInteger('--webrtc-setups', setups, 1, 256),
    openTimeoutMs: timeout === undefined ? DEFAULT_WEBRTC_OPEN_TIMEOUT_MS : parseDuration('--webrtc-timeout', timeout, 1_000, MAX_WEBRTC_TIMEOUT_MS),
    iceServers: ice.map(parseIceServer),
  };
}
