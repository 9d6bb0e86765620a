import { isIP } from 'node:net';
import { devNull } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT, startProgram, stopAllPrograms, type ProgramExit } from '../testing/index.js';
import { PEER_MAIN, shellQuote, startPeer, stopAllPeers } from '../swarm/peer-process.js';
import { CENTRAL_MAIN, CENTRAL_READY, viewerHost } from '../swarm/swarm.js';
import { formatRateAsBits } from '@p2pstream/units';
import { parseLimit } from '../swarm/uplinks.js';
import {
  CENTRAL_HOST,
  CENTRAL_PORT,
  HTTP_HOST,
  HTTP_PORT,
  PUBLISHER_HOST,
  READY_TIMEOUT_MS,
  STOP_GRACE_MS,
  STREAM_NAME,
  VIEWER_START_INTERVAL_MS,
  WATCH_PORT,
  WS_PORT,
} from './constants.js';
import { ProgramFailedError } from './errors.js';
import type { StartOptions } from './options.js';
import { choosePort } from './ports.js';
import { mpegTsBytesPerSecond } from './stream-rate.js';
import { watchUrls, type WatchUrls } from './watch-url.js';

/** One process of the swarm. */
export interface SwarmProgram {
  /** `central`, `publisher`, `viewer 1`. */
  readonly role: string;
  readonly pid: number;
  /** Where it listens for the swarm, `host:port`. */
  readonly address: string;
  /** How it was started, as one would type it at the repository root. */
  readonly command: string;
  readonly exited: Promise<ProgramExit>;
  /** The end of what it printed, for an error message. */
  output(): string;
}

export interface SwarmPeer extends SwarmProgram {
  /** Its `--stats` file. */
  readonly statsFile: string;
}

export interface LocalSwarm {
  readonly central: SwarmProgram;
  readonly publisher: SwarmPeer;
  /** In order; the first serves the player. */
  readonly viewers: readonly SwarmPeer[];
  /** The first viewer's page, `http://127.0.0.1:8080/`. */
  readonly playerUrl: string;
  /** Central's watch page of the stream, `http://127.0.0.1:8045/watch/demo`, and its LAN URL when bound to every interface. */
  readonly watch: WatchUrls;
}

export interface LocalSwarmOptions extends StartOptions {
  /** Stats files and the publisher's key go here. */
  workDir: string;
  /** Told about every program as it starts, and about ports that were taken. */
  log: (line: string) => void;
  /** Once aborted, nothing more is started (stop what was with `stopLocalSwarm`). */
  signal: AbortSignal;
}

const OUTPUT_SHOWN = 2_000;

/**
 * Starts central, a live publisher and the viewers — the same programs, with the same
 * flags, that `npx nx run central:serve` and `peer:serve` run — each in a process group
 * of its own, so that a Ctrl-C reaches only the launcher, which stops each of them once.
 * Throws a ProgramFailedError when one does not start; what did start keeps running
 * until `stopLocalSwarm`.
 */
export async function startLocalSwarm(options: LocalSwarmOptions): Promise<LocalSwarm> {
  const { log, signal } = options;
  const centralPort = await choosePort(CENTRAL_HOST, CENTRAL_PORT);
  if (centralPort !== CENTRAL_PORT) log(`port ${CENTRAL_PORT} on ${CENTRAL_HOST} is taken (another central?); this central uses ${centralPort}`);
  const centralAddress = `${CENTRAL_HOST}:${centralPort}`;
  const uploadLimit = await publisherLimitArgs(options);

  // The watch page needs both: the page from --http, and central's WebSocket for the page's look-ups and signals.
  const watchPort = await choosePort(options.bind, WATCH_PORT);
  if (watchPort !== WATCH_PORT) log(`port ${WATCH_PORT} on ${options.bind} is taken; the watch page is on ${watchPort}`);
  const wsPort = await choosePort(options.bind, WS_PORT);
  if (wsPort !== WS_PORT) log(`port ${WS_PORT} on ${options.bind} is taken; central's WebSocket is on ${wsPort}`);
  const bind = isIP(options.bind) === 6 ? `[${options.bind}]` : options.bind;
  const centralArgs = ['--host', CENTRAL_HOST, '--port', String(centralPort), '--http', `${bind}:${watchPort}`, '--ws', `${bind}:${wsPort}`];
  signal.throwIfAborted();
  const central = await startOrExplain('central', () =>
    startProgram(CENTRAL_MAIN, centralArgs, { readyLine: CENTRAL_READY, timeoutMs: READY_TIMEOUT_MS, detached: true }),
  );
  const centralProgram: SwarmProgram = {
    role: 'central',
    pid: central.pid,
    address: centralAddress,
    command: commandLine(CENTRAL_MAIN, centralArgs),
    exited: central.exited,
    output: () => `${central.stdout()}${central.stderr()}`.slice(-OUTPUT_SHOWN),
  };
  log(describeProgram(centralProgram));

  // --webrtc: the watch pages reach peers over data channels only.
  const peerArgs = (host: string) => ['--central', centralAddress, '--host', host, '--port', '0', '--webrtc'];
  const live = options.source === '-' ? [] : ['--realtime', '--loop'];
  const publisherStats = join(options.workDir, 'publisher.jsonl');
  const key = join(options.workDir, `${STREAM_NAME}.key`);
  const publisherArgs = ['publish', STREAM_NAME, '--source', options.source, ...live, ...peerArgs(PUBLISHER_HOST)];
  publisherArgs.push('--key', key, '--stats', publisherStats, ...uploadLimit);
  // A live stream on our stdin (e.g. from ffmpeg) goes on to the publisher.
  const publisher = await startPeerProgram('publisher', publisherArgs, publisherStats, options, options.source === '-' ? process.stdin : undefined);
  log(describeProgram(publisher));

  const httpPort = await choosePort(HTTP_HOST, HTTP_PORT);
  if (httpPort !== HTTP_PORT) log(`port ${HTTP_PORT} on ${HTTP_HOST} is taken; the player is on ${httpPort}`);
  const starting = Array.from({ length: options.viewers }, async (_, index) => {
    const statsFile = join(options.workDir, `viewer-${index + 1}.jsonl`);
    const output = index === 0 ? ['--http', `${HTTP_HOST}:${httpPort}`] : ['--out', devNull];
    const args = ['watch', STREAM_NAME, ...output, ...peerArgs(viewerHost(index + 1)), '--stats', statsFile];
    await sleep(index * VIEWER_START_INTERVAL_MS, undefined, { signal });
    return startPeerProgram(`viewer ${index + 1}`, args, statsFile, options);
  });
  const settled = await Promise.allSettled(starting);
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  const viewers = settled.map((result) => (result as PromiseFulfilledResult<SwarmPeer>).value);
  for (const viewer of viewers) log(describeProgram(viewer));
  return { central: centralProgram, publisher, viewers, playerUrl: `http://${HTTP_HOST}:${httpPort}/`, watch: watchUrls(options.bind, watchPort, STREAM_NAME) };
}

/**
 * Stops every program started here, started or still starting: SIGINT (they leave central
 * and write their last stats line), then SIGKILL after a grace period. Peers first, so
 * central is there while they leave.
 */
export async function stopLocalSwarm(graceMs = STOP_GRACE_MS): Promise<void> {
  await stopAllPeers(graceMs);
  await stopAllPrograms();
}

/** `  viewer 1   127.0.0.11:40211   pid 4242   node … apps/peer/src/main.ts watch demo …` */
export function describeProgram(program: SwarmProgram): string {
  return `  ${program.role.padEnd(10)} ${program.address.padEnd(21)} pid ${String(program.pid).padEnd(7)} ${program.command}`;
}

async function startPeerProgram(role: string, args: string[], statsFile: string, options: LocalSwarmOptions, input?: Readable): Promise<SwarmPeer> {
  options.signal.throwIfAborted();
  const stdin = input ? 'pipe' : 'ignore';
  const peer = await startOrExplain(role, () => startPeer(args, { stdin, readyTimeoutMs: READY_TIMEOUT_MS, detached: true }));
  if (input && peer.stdin) input.pipe(peer.stdin);
  return {
    role,
    pid: peer.pid,
    address: `${peer.ready!.host}:${peer.ready!.port}`,
    command: commandLine(PEER_MAIN, args),
    exited: peer.exited,
    output: () => peer.stderr().slice(-OUTPUT_SHOWN),
    statsFile,
  };
}

/** `start()`, with a failure said as which program did not start and why (its command and output are in the message). */
async function startOrExplain<T>(role: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    throw new ProgramFailedError(`${role} did not start: ${(error as Error).message}`, { cause: error });
  }
}

/** The publisher's `--upload-limit`, with a multiple of the stream's rate worked out from the file. */
async function publisherLimitArgs(options: StartOptions): Promise<string[]> {
  const limit = options.publisherLimit;
  if (limit.kind === 'none') return [];
  const bytesPerSecond = limit.kind === 'rate' ? limit.bytesPerSecond : parseLimit('--publisher-limit', limit.text, await mpegTsBytesPerSecond(options.source));
  return ['--upload-limit', formatRateAsBits(bytesPerSecond)];
}

/** `node --conditions=@p2pstream/source --import tsx ENTRY ARGS`, with paths under the repository relative to it. */
function commandLine(entry: string, args: readonly string[]): string {
  const shown = args.map((arg) => (isAbsolute(arg) && !relative(REPO_ROOT, arg).startsWith('..') ? relative(REPO_ROOT, arg) : arg));
  return ['node', '--conditions=@p2pstream/source', '--import', 'tsx', entry, ...shown].map(shellQuote).join(' ');
}
