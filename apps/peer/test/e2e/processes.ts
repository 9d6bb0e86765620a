import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, freePort, startProgram, stopAllPrograms, type RunningProgram } from '../../../../tools/testing/index.js';
import { LoopTimestamps, mpegTsProblem } from '@p2pstream/data';
import { formatRateAsBits } from '@p2pstream/units';
import { matchRuns } from '../../../../tools/swarm/mpegts-check.js';
import { startPeer, stopAllPeers, type PeerExit, type PeerProcess } from '../../../../tools/swarm/peer-process.js';
import { readPublisherStats, readViewerStats } from '../../../../tools/swarm/stats-file.js';
import type { PublisherStatsLine, ViewerStatsLine } from '@p2pstream/peer-client';
import { CENTRAL_MAIN, CENTRAL_READY } from '../../../../tools/swarm/swarm.js';
import { waitUntil } from '../../../../tools/swarm/wait.js';

/**
 * What the peer's end-to-end tests start: central and peer programs as real
 * processes on loopback addresses, each peer on its own 127.0.B.x (B is one block
 * per test file, so files never share an address), on ports the OS just gave out.
 */

export const FIXTURE = join(REPO_ROOT, 'tools/fixtures/test-stream.mpegts');
export const fixture = (): Buffer => readFileSync(FIXTURE);
/** The fixture's duration in seconds (tools/fixtures/README.md; ffprobe says 20.02 s). */
export const FIXTURE_SECONDS = 20;
/** The fixture's own rate in bytes per second, as a realtime publisher plays it out. */
export const fixtureBytesPerSecond = (): number => fixture().length / FIXTURE_SECONDS;

/** Generous, for a peer starting under tsx on two busy cores. */
export const READY_TIMEOUT_MS = 45_000;

export function loopback(block: number, host: number): string {
  return `127.0.${block}.${host}`;
}

export interface Central {
  program: RunningProgram;
  /** `127.0.0.1:PORT`, for `--central`. */
  address: string;
  port: number;
}

/** Starts central on 127.0.B.1 (a free port unless given) and waits for its listening line. */
export async function startCentral(block: number, options: { port?: number; args?: string[]; env?: Record<string, string> } = {}): Promise<Central> {
  const host = loopback(block, 1);
  const port = options.port ?? (await freePort(host));
  const program = await startProgram(CENTRAL_MAIN, ['--host', host, '--port', String(port), ...(options.args ?? [])], {
    ...(options.env ? { env: options.env } : {}),
    readyLine: CENTRAL_READY,
    timeoutMs: READY_TIMEOUT_MS,
  });
  return { program, address: `${host}:${port}`, port };
}

/** `--central`, `--host` and a free `--port` for a peer on `host`. */
export async function peerFlags(central: Central, host: string): Promise<string[]> {
  return ['--central', central.address, '--host', host, '--port', String(await freePort(host))];
}

export interface PublishOptions {
  central: Central;
  host: string;
  name: string;
  dir: string;
  source?: string;
  realtime?: boolean;
  loop?: boolean;
  /** `--upload-limit`, as given on the command line. */
  uploadLimit?: string;
  stdin?: 'pipe' | 'ignore';
  /** `--format raw`: publish bytes that are not MPEG-TS as they are. */
  raw?: boolean;
  /** More flags, as on the command line. */
  args?: string[];
}

export interface Publisher {
  peer: PeerProcess;
  stats: string;
  key: string;
}

export async function startPublisher(options: PublishOptions): Promise<Publisher> {
  const stats = join(options.dir, `publisher-${options.name}.jsonl`);
  const key = join(options.dir, `${options.name}.key`);
  const args = [
    'publish',
    options.name,
    '--source',
    options.source ?? FIXTURE,
    ...(options.realtime ? ['--realtime'] : []),
    ...(options.loop ? ['--loop'] : []),
    ...(options.uploadLimit ? ['--upload-limit', options.uploadLimit] : []),
    ...(options.raw ? ['--format', 'raw'] : []),
    '--key',
    key,
    '--stats',
    stats,
    ...(options.args ?? []),
    ...(await peerFlags(options.central, options.host)),
  ];
  const peer = await startPeer(args, { readyTimeoutMs: READY_TIMEOUT_MS, stdin: options.stdin ?? 'ignore' });
  return { peer, stats, key };
}

/**
 * A publisher on 127.0.B.2 playing the fixture live and looping, its upload capped at twice
 * the stream's rate: it cannot feed more than two viewers alone, so a swarm has to share.
 */
export function startCappedPublisher(options: { central: Central; block: number; name: string; dir: string }): Promise<Publisher> {
  const { central, block, name, dir } = options;
  return startPublisher({ central, host: loopback(block, 2), name, dir, realtime: true, loop: true, uploadLimit: formatRateAsBits(2 * fixtureBytesPerSecond()) });
}

export interface Viewer {
  peer: PeerProcess;
  host: string;
  stats: string;
  out: string;
}

export async function startViewer(options: { central: Central; host: string; name: string; dir: string; args?: string[] }): Promise<Viewer> {
  const stats = join(options.dir, `viewer-${options.host}.jsonl`);
  const out = join(options.dir, `viewer-${options.host}.ts`);
  const args = ['watch', options.name, '--out', out, '--stats', stats, ...(options.args ?? []), ...(await peerFlags(options.central, options.host))];
  const peer = await startPeer(args, { readyTimeoutMs: READY_TIMEOUT_MS });
  return { peer, host: options.host, stats, out };
}

/** Starts viewers on 127.0.B.first … one after another, so their starts overlap without all compiling at once. */
export async function startViewers(count: number, options: { central: Central; block: number; first: number; name: string; dir: string }): Promise<Viewer[]> {
  const starting: Array<Promise<Viewer>> = [];
  for (let i = 0; i < count; i += 1) {
    starting.push(startViewer({ central: options.central, host: loopback(options.block, options.first + i), name: options.name, dir: options.dir }));
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return Promise.all(starting);
}

export function lastViewerStats(viewer: Viewer): ViewerStatsLine | undefined {
  return readViewerStats(viewer.stats).at(-1);
}

export function lastPublisherStats(publisher: Publisher): PublisherStatsLine | undefined {
  return readPublisherStats(publisher.stats).at(-1);
}

/** Waits until a viewer's newest stats line passes `test`, and returns that line. */
export function waitForViewerStats(viewer: Viewer, what: string, test: (line: ViewerStatsLine) => boolean, timeoutMs: number): Promise<ViewerStatsLine> {
  return waitUntil(
    `viewer ${viewer.host}: ${what}`,
    () => {
      const line = lastViewerStats(viewer);
      return line && test(line) ? line : undefined;
    },
    { timeoutMs, describe: () => `last stats: ${JSON.stringify(lastViewerStats(viewer))}\n${viewer.peer.describe()}` },
  );
}

/** Waits (up to READY_TIMEOUT_MS) until a viewer has played its first chunk, and returns that stats line (its `startupMs` set). */
export function waitForFirstChunk(viewer: Viewer): Promise<ViewerStatsLine> {
  return waitForViewerStats(viewer, 'first chunk played', (line) => line.startupMs !== null, READY_TIMEOUT_MS);
}

/** Waits until the publisher's newest stats line passes `test`, and returns that line. */
export function waitForPublisherStats(publisher: Publisher, what: string, test: (line: PublisherStatsLine) => boolean, timeoutMs: number): Promise<PublisherStatsLine> {
  return waitUntil(
    `publisher: ${what}`,
    () => {
      const line = lastPublisherStats(publisher);
      return line && test(line) ? line : undefined;
    },
    { timeoutMs, describe: () => `last stats: ${JSON.stringify(lastPublisherStats(publisher))}\n${publisher.peer.describe()}` },
  );
}

/** A fresh temporary directory, removed by `stopEverything`. */
const dirs: string[] = [];
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'p2pstream-e2e-'));
  dirs.push(dir);
  return dir;
}

/** Stops every peer and central this file started (SIGINT, SIGKILL after 10 s) and removes its temporary directories. */
export async function stopEverything(): Promise<void> {
  await stopAllPeers();
  await stopAllPrograms();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Sleeps; the e2e tests use it only to let a stream run for a while, never as a check. */
export function runFor(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The peer's exit, or a rejection naming it when it is still running after `timeoutMs`. */
export async function exitWithin(peer: PeerProcess, timeoutMs: number): Promise<PeerExit> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`still running after ${timeoutMs} ms: ${peer.describe()}`)), timeoutMs)),
  );
  try {
    return await Promise.race([peer.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The fixture played `times` times over, as a publisher with `--loop` sends it: each pass's timestamps shifted on. */
export function loopedFixture(times: number): Buffer {
  const once = fixture();
  const timestamps = new LoopTimestamps();
  const passes: Uint8Array[] = [];
  for (let pass = 0; pass < times; pass++) passes.push(timestamps.push(once), timestamps.endLoop());
  return Buffer.concat(passes);
}

/**
 * Everything a looping realtime publisher started at `startedAt` (a `Date.now()`) can have
 * sent by now, with a pass to spare either side: the source a viewer's output is checked against.
 */
export function loopedFixtureSince(startedAt: number): Buffer {
  return loopedFixture(Math.ceil((Date.now() - startedAt) / (FIXTURE_SECONDS * 1000)) + 2);
}

/**
 * Why a viewer's output is not what the publisher sent (not whole MPEG-TS packets, or
 * bytes that are no in-order copy of the source), or undefined when it is clean.
 */
export function outputProblem(output: Buffer, source: Buffer): string | undefined {
  const framing = mpegTsProblem(output);
  if (framing) return framing;
  const { mismatchAt } = matchRuns(output, source);
  return mismatchAt === undefined ? undefined : `bytes at offset ${mismatchAt} of ${output.length} are no in-order copy of the source`;
}
