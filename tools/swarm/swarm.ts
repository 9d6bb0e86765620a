import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, startProgram, type RunningProgram } from '../testing/index.js';
import { LagSampler, type LagScanner } from './lag-sampler.js';
import { paceInto } from './pacer.js';
import { PEER_MAIN, startPeer, stopAllPeers, type PeerProcess } from './peer-process.js';
import {
  aggregateReport,
  publisherReport,
  viewerReport,
  type AggregateReport,
  type PublisherReport,
  type ViewerRecord,
  type ViewerReport,
} from './report.js';
import { DEFAULT_UPLINK_QUEUE_MS, ShapedNetwork, shapedAddress, type ShapedHost } from './shaped-network.js';
import { NatNetwork } from './nat-network.js';
import { assignHomes, NAT_STUN_PORT, NAT_WS_PORT, natReport, natViewerPort, readDialBacks, type NatOptions, type NatReport } from './nat-homes.js';
import { readPublisherStats, readViewerStats } from './stats-file.js';
import { formatRateAsBits } from '@p2pstream/units';
import { assignUplinks, capacityWarning, type UplinkClass } from './uplinks.js';
import { waitUntil } from './wait.js';

export const CENTRAL_MAIN = 'apps/central/src/main.ts';
export const CENTRAL_READY = /central listening on (\S+):(\d+)/;

/** The source packets between two lag samples: about 5 samples a second at 2 Mbit/s. */
export const DEFAULT_LAG_SAMPLE_EVERY = 250;

export interface ShapedOptions {
  /** The publisher's uplink, bytes per second. */
  publisherUplinkBytesPerSecond: number;
  /** The viewers' uplink classes and their shares. */
  uplinks: readonly UplinkClass[];
  /** tbf's queue on each uplink, ms (see ShapedNetworkOptions.queueMs). */
  queueMs?: number;
  /** Each host's `net.ipv4.tcp_notsent_lowat` (see ShapedNetworkOptions.notsentLowatBytes); the kernel's when unset. */
  notsentLowatBytes?: number;
}

export interface SwarmOptions {
  viewers: number;
  /** The stream's rate, bytes per second. */
  bytesPerSecond: number;
  /** The publisher's `--upload-limit`, bytes per second. */
  publisherLimit: number;
  /** How long to run once every viewer has been started. */
  durationMs: number;
  /**
   * Share of the viewers killed (SIGKILL) and restarted during the run.
   * @default 0
   */
  killFraction?: number;
  /** A whole-packet MPEG-TS file, looped. */
  source: string;
  /**
   * `harness`: the harness writes the looped source at the rate into `publish --source -`;
   * `program`: `publish --source FILE --realtime --bitrate RATE --loop` paces it itself.
   * @default 'harness'
   */
  pacing?: 'harness' | 'program';
  /** Where stats files and the publisher's key go. */
  workDir: string;
  /**
   * Pause between starting two viewers, so N processes do not all compile at once.
   * @default 300
   */
  startIntervalMs?: number;
  /** The viewers' `--behind` (how far behind the newest chunk they start, ms); unset: not given. */
  behindMs?: number;
  /** The viewers' `--latency` (play each chunk this long after it could first be announced, ms); unset: theirs (2 s). */
  latencyMs?: number;
  /** The viewers' `--max-latency` (the most their latency falls back to, ms); unset: theirs (6 s). */
  maxLatencyMs?: number;
  /** More arguments for the publisher and every viewer (`--max-upload-queue 1h`), to compare a setting in one harness. */
  peerArgs?: readonly string[];
  /**
   * Each host in a network namespace of its own with a capped uplink (needs root);
   * unset: every process on 127.0.0.x, uncapped.
   */
  shaped?: ShapedOptions;
  /**
   * With `shaped`: some viewers in homes behind NAT routers, every viewer on WebRTC with
   * central's STUN (see nat-network.ts); unset: every host on the bridge.
   */
  nat?: NatOptions;
  /**
   * A stamped lag sample is inserted after every this many source packets (harness pacing only).
   * @default DEFAULT_LAG_SAMPLE_EVERY
   */
  lagSampleEvery?: number;
  /** @default 'swarm' */
  name?: string;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
  /** Ends the run early; everything started is stopped and a report still comes back. */
  signal?: AbortSignal;
}

export interface SwarmReport {
  config: {
    viewers: number;
    streamBytesPerSecond: number;
    streamRate: string;
    publisherLimitBytesPerSecond: number;
    durationMs: number;
    killFraction: number;
    source: string;
    pacing: 'harness' | 'program';
    behindMs?: number;
    latencyMs?: number;
    maxLatencyMs?: number;
    /** The arguments every peer was given besides the harness's own. */
    peerArgs: readonly string[];
    shaped: boolean;
    /** Source packets between two lag samples; null without harness pacing (nothing is sampled). */
    lagSampleEvery: number | null;
  };
  /** Shaped runs: who may send how much; null unshaped (every uplink is loopback). */
  uplinks: UplinksReport | null;
  machine: { cpus: number; node: string };
  /** From the last viewer start to the end of the run. */
  measuredMs: number;
  aborted: boolean;
  central: { address: string; peakRssBytes: number | null };
  publisher: PublisherReport & { exit: { code: number | null; signal: string | null } | null };
  aggregate: AggregateReport;
  viewers: ViewerReport[];
  /** NAT runs: who sits in which home, who uploaded what, and what crossed two NATs; null otherwise. */
  nat: NatReport | null;
}

export interface UplinksReport {
  publisherBytesPerSecond: number;
  publisherMultiple: number;
  /** The viewer classes as asked, with how many viewers each got. */
  mix: Array<{ uplink: string; bytesPerSecond: number; multiple: number; percent: number; viewers: number }>;
  /** The viewers' mean uplink ÷ the stream rate. */
  meanViewerMultiple: number;
  queueMs: number;
  /** The hosts' `tcp_notsent_lowat`; null: the kernel's default. */
  notsentLowatBytes: number | null;
  /** Present when the viewers' mean uplink is below the stream rate. */
  capacityWarning?: string;
}

const READY_TIMEOUT_MS = 60_000;
/** Inside a shaped run every host has the addresses to itself, so fixed ports do. */
const SHAPED_CENTRAL_PORT = 7000;
const SHAPED_PEER_PORT = 7001;
/** The order of hosts in the shaped subnet: 10.99.0.1 central, .2 the publisher, .11 upwards the viewers (as on loopback). */
const CENTRAL_INDEX = 0;
const PUBLISHER_INDEX = 1;
const FIRST_VIEWER_INDEX = 10;
const KILL_WINDOW = [0.2, 0.7] as const;
const RESTART_AFTER_MS = 2_000;

interface Slot {
  slot: number;
  host: string;
  /** Its uplink cap in a shaped run. */
  uplinkBytesPerSecond: number | null;
  incarnations: Array<{ peer: PeerProcess | undefined; statsFile: string; killed: boolean; problem?: string; lag: LagScanner | undefined }>;
}

/** The loopback address of viewer `slot` (1-based): 127.0.0.11 upwards, then the next /24. */
export function viewerHost(slot: number): string {
  const index = slot + 9;
  return `127.0.${Math.floor(index / 250)}.${(index % 250) + 1}`;
}

/**
 * Runs central, a publisher and N viewers as real processes on 127.0.0.x, optionally
 * kills and restarts some viewers, stops everything, and reports from their stats.
 */
export async function runSwarm(options: SwarmOptions): Promise<SwarmReport> {
  const log = options.log ?? (() => undefined);
  const name = options.name ?? 'swarm';
  const pacing = options.pacing ?? 'harness';
  const killFraction = options.killFraction ?? 0;
  const peerArgs = options.peerArgs ?? [];
  const signal = options.signal;
  const shaped = options.shaped;
  const lagSampleEvery = pacing === 'harness' ? (options.lagSampleEvery ?? DEFAULT_LAG_SAMPLE_EVERY) : null;
  mkdirSync(options.workDir, { recursive: true });
  const source = readFileSync(options.source);
  const viewerUplinks = shaped ? assignUplinks(shaped.uplinks, options.viewers) : [];
  const nat = shaped ? options.nat : undefined;
  if (options.nat && !shaped) throw new RangeError('a NAT run is a shaped run: pass shaped options with nat');
  /** The home of each viewer slot (index slot − 1), null for a public viewer. */
  const viewerHomes = nat ? assignHomes(options.viewers, nat.homes, nat.homeShare) : [];
  const sampler = lagSampleEvery === null ? undefined : new LagSampler();

  let network: ShapedNetwork | NatNetwork | undefined;
  let central: RunningProgram | PeerProcess | undefined;
  let publisher: PeerProcess | undefined;
  const slots: Slot[] = [];
  const pacingStop = new AbortController();
  let pacingDone: Promise<number> = Promise.resolve(0);
  let centralRss: number | null = null;
  let measureFrom = Date.now();
  let centralAddress = '';
  const publisherHost = shaped ? shapedAddress(PUBLISHER_INDEX) : '127.0.0.2';
  const publisherStats = join(options.workDir, 'publisher.jsonl');
  const centralStats = join(options.workDir, 'central.jsonl');
  /** Viewer starts and kill-and-restart rounds, settled before the report is read. */
  const starting: Array<Promise<void>> = [];

  try {
    if (shaped) {
      const hosts = [
        { id: 'central', address: shapedAddress(CENTRAL_INDEX), uplinkBytesPerSecond: null },
        { id: 'pub', address: publisherHost, uplinkBytesPerSecond: shaped.publisherUplinkBytesPerSecond },
        ...viewerUplinks.map((uplink, index) => ({
          id: `v${index + 1}`,
          address: shapedAddress(FIRST_VIEWER_INDEX + index),
          uplinkBytesPerSecond: uplink.bytesPerSecond,
        })),
      ];
      const queue = shaped.queueMs === undefined ? {} : { queueMs: shaped.queueMs };
      if (nat) {
        const inHome = (home: number | null) => hosts.slice(2).filter((_, index) => viewerHomes[index] === home);
        network = await NatNetwork.create({
          publicHosts: [...hosts.slice(0, 2), ...inHome(null)],
          homes: Array.from({ length: nat.homes }, (_, index) => ({ hosts: inHome(index + 1) })),
          ...queue,
          log,
        });
        log(`NAT network: ${network.namespaces.length} namespaces named ${network.prefix}*, ${nat.homes} homes on 192.168.H.0/24 behind routers on 10.99.0.0/16`);
      } else {
        const notsentLowat = shaped.notsentLowatBytes === undefined ? {} : { notsentLowatBytes: shaped.notsentLowatBytes };
        network = await ShapedNetwork.create({ hosts, ...queue, ...notsentLowat, log });
        log(`shaped network: ${network.namespaces.length} namespaces named ${network.prefix}*, hosts on 10.99.0.0/16`);
      }
    }
    /** Where a host's processes run: inside its namespace in a shaped run. */
    const inHost = (id: string): { command?: readonly string[] } =>
      network ? { command: [...network.host(id).exec, process.execPath, '--conditions=@p2pstream/source', '--import', 'tsx', PEER_MAIN] } : {};
    const portFor = async (host: string) => (network ? SHAPED_PEER_PORT : await freePort(host));

    // NAT runs: central relays WebRTC signals, answers STUN, and takes a home's viewers announcing from one address;
    // its stats say what its dial-backs found.
    const centralExtra = nat
      ? ['--ws', String(NAT_WS_PORT), '--stun', String(NAT_STUN_PORT), '--max-entries-per-ip', String(options.viewers + 1), '--stats', centralStats]
      : [];
    ({ program: central, address: centralAddress } = network ? await startCentralIn(network.host('central'), centralExtra) : await startCentralOnLoopback());
    const webrtc = nat && nat.traversal !== false ? ['--webrtc', '--ice', `stun:${shapedAddress(CENTRAL_INDEX)}:${NAT_STUN_PORT}`] : [];
    log(`central on ${centralAddress}`);
    const common = (host: string, port: number) => ['--central', centralAddress, '--host', host, '--port', String(port)];

    const sourceArgs =
      pacing === 'harness'
        ? ['--source', '-']
        : ['--source', options.source, '--realtime', '--bitrate', formatRateAsBits(options.bytesPerSecond), '--loop'];
    publisher = await startPeer(
      [
        'publish',
        name,
        ...sourceArgs,
        ...common(publisherHost, await portFor(publisherHost)),
        '--upload-limit',
        formatRateAsBits(options.publisherLimit),
        '--key',
        join(options.workDir, 'publisher.key'),
        '--stats',
        publisherStats,
        ...peerArgs,
      ],
      { stdin: pacing === 'harness' ? 'pipe' : 'ignore', readyTimeoutMs: READY_TIMEOUT_MS, ...inHost('pub') },
    );
    if (pacing === 'harness') {
      pacingDone = paceInto(publisher.stdin!, source, {
        bytesPerSecond: options.bytesPerSecond,
        signal: pacingStop.signal,
        ...(sampler && lagSampleEvery !== null ? { insert: { every: lagSampleEvery, packet: () => sampler.next() } } : {}),
      });
    }
    log(`publisher on ${publisher.ready!.host}:${publisher.ready!.port} (${pacing} pacing)`);

    const startViewer = async (slot: Slot) => {
      const incarnation = slot.incarnations.length + 1;
      const statsFile = join(options.workDir, `viewer-${slot.slot}.${incarnation}.jsonl`);
      const lag = sampler?.scanner();
      const entry: Slot['incarnations'][number] = { peer: undefined, statsFile, killed: false, lag };
      slot.incarnations.push(entry);
      try {
        const behind = [
          ...(options.behindMs === undefined ? [] : ['--behind', `${options.behindMs}ms`]),
          ...(options.latencyMs === undefined ? [] : ['--latency', `${options.latencyMs}ms`]),
          ...(options.maxLatencyMs === undefined ? [] : ['--max-latency', `${options.maxLatencyMs}ms`]),
        ];
        const port = nat ? natViewerPort(slot.slot) : await portFor(slot.host);
        const args = ['watch', name, '--out', '-', ...behind, ...common(slot.host, port), ...webrtc, '--stats', statsFile, ...peerArgs];
        entry.peer = await startPeer(args, {
          readyTimeoutMs: READY_TIMEOUT_MS,
          // The media is scanned for lag samples as it comes, and not kept.
          ...(lag ? { onStdout: (piece: Buffer) => lag.push(piece) } : {}),
          ...inHost(`v${slot.slot}`),
        });
      } catch (error) {
        entry.problem = (error as Error).message.slice(0, 2000);
        log(`viewer ${slot.slot} did not start: ${entry.problem.split('\n')[0]}`);
      }
    };

    for (let i = 1; i <= options.viewers && !signal?.aborted; i += 1) {
      const slot: Slot = {
        slot: i,
        host: network ? network.host(`v${i}`).address : viewerHost(i),
        uplinkBytesPerSecond: viewerUplinks[i - 1]?.bytesPerSecond ?? null,
        incarnations: [],
      };
      slots.push(slot);
      starting.push(startViewer(slot));
      await sleep(options.startIntervalMs ?? 300, undefined, signal ? { signal } : {}).catch(() => undefined);
    }
    await Promise.race([Promise.all(starting), abortedPromise(signal)]);
    measureFrom = Date.now();
    if (!signal?.aborted) log(`${slots.length} viewers started; running for ${options.durationMs} ms`);

    const victims = signal?.aborted ? [] : pickVictims(slots, Math.round(killFraction * slots.length));
    for (const [index, slot] of victims.entries()) {
      const at = options.durationMs * (KILL_WINDOW[0] + ((KILL_WINDOW[1] - KILL_WINDOW[0]) * (index + 0.5)) / victims.length);
      starting.push(
        (async () => {
          await sleep(at, undefined, signal ? { signal } : {});
          const current = slot.incarnations[slot.incarnations.length - 1]!;
          if (current.peer) {
            current.killed = true;
            await current.peer.kill();
            log(`killed viewer ${slot.slot}`);
          }
          await sleep(RESTART_AFTER_MS, undefined, signal ? { signal } : {});
          await startViewer(slot);
          log(`restarted viewer ${slot.slot}`);
        })().catch(() => undefined),
      );
    }
    await sleep(options.durationMs, undefined, signal ? { signal } : {}).catch(() => undefined);
  } finally {
    try {
      pacingStop.abort();
      const viewerPeers = slots.flatMap((slot) => slot.incarnations.flatMap((entry) => (entry.peer ? [entry.peer] : [])));
      await Promise.all(viewerPeers.map((peer) => peer.stop()));
      publisher?.stdin?.end();
      await publisher?.stop();
      // Viewers (or a publisher) still starting when the run ended or was interrupted.
      await stopAllPeers();
      await Promise.allSettled(starting);
      await pacingDone;
      if (central) {
        centralRss = peakRssOfPid(central.pid);
        await central.stop();
      }
    } finally {
      // Also after a failure above: no namespace, veth or bridge outlives the run.
      await network?.remove();
    }
  }

  const records: ViewerRecord[] = [];
  for (const slot of slots) {
    for (const [index, entry] of slot.incarnations.entries()) {
      const exit = entry.peer ? await entry.peer.exited : null;
      // Beside its stats, for a look with --keep (NODE_DEBUG=p2pstream:… traces go there).
      if (entry.peer) writeFileSync(entry.statsFile.replace(/\.jsonl$/, '.stderr'), entry.peer.stderr());
      const problem = entry.problem ?? (entry.peer && !entry.killed && exit?.code !== 0 ? entry.peer.describe().slice(-2000) : undefined);
      records.push({
        slot: slot.slot,
        incarnation: index + 1,
        host: slot.host,
        port: entry.peer?.ready?.port ?? null,
        killed: entry.killed,
        exit,
        stats: readViewerStats(entry.statsFile),
        uplinkBytesPerSecond: slot.uplinkBytesPerSecond,
        lagSamples: entry.lag ? entry.lag.samples : null,
        ...(problem ? { problem } : {}),
      });
    }
  }
  const viewers = records.map((record) => viewerReport(record, options.bytesPerSecond));
  const publisherExit = publisher ? await publisher.exited : null;
  if (publisher) writeFileSync(publisherStats.replace(/\.jsonl$/, '.stderr'), publisher.stderr());
  return {
    config: {
      viewers: options.viewers,
      streamBytesPerSecond: Math.round(options.bytesPerSecond),
      streamRate: formatRateAsBits(options.bytesPerSecond),
      publisherLimitBytesPerSecond: Math.round(options.publisherLimit),
      durationMs: options.durationMs,
      killFraction,
      source: options.source,
      pacing,
      ...(options.behindMs === undefined ? {} : { behindMs: options.behindMs }),
      ...(options.latencyMs === undefined ? {} : { latencyMs: options.latencyMs }),
      ...(options.maxLatencyMs === undefined ? {} : { maxLatencyMs: options.maxLatencyMs }),
      peerArgs,
      shaped: shaped !== undefined,
      lagSampleEvery,
    },
    uplinks: shaped ? uplinksReport(shaped, viewerUplinks, options.bytesPerSecond) : null,
    machine: { cpus: availableParallelism(), node: process.version },
    measuredMs: Date.now() - measureFrom,
    aborted: signal?.aborted ?? false,
    central: { address: centralAddress, peakRssBytes: centralRss },
    publisher: {
      ...publisherReport(
        readPublisherStats(publisherStats),
        { host: publisherHost, port: publisher?.ready?.port ?? null },
        options.bytesPerSecond,
        options.publisherLimit,
        measureFrom,
      ),
      exit: publisherExit,
    },
    aggregate: aggregateReport(viewers, records),
    viewers,
    nat:
      nat && network instanceof NatNetwork
        ? natReport(
            nat,
            records.map((record) => {
              const home = network.host(`v${record.slot}`).home;
              return { slot: record.slot, home: home?.index ?? null, entry: `${home?.routerAddress ?? record.host}:${natViewerPort(record.slot)}`, stats: record.stats };
            }),
            readDialBacks(centralStats),
          )
        : null,
  };
}

interface StartedCentral {
  program: RunningProgram | PeerProcess;
  address: string;
}

async function startCentralOnLoopback(): Promise<StartedCentral> {
  const port = await freePort('127.0.0.1');
  // Each run publishes under a new key: a central of its own keeps no names past the run.
  const program = await startProgram(CENTRAL_MAIN, ['--host', '127.0.0.1', '--port', String(port), '--state', 'none'], { readyLine: CENTRAL_READY, timeoutMs: READY_TIMEOUT_MS });
  return { program, address: `127.0.0.1:${port}` };
}

/** Central inside its namespace: launched as the peer programs are (its ready line is on stdout, so it is watched there). */
async function startCentralIn(host: ShapedHost, extra: readonly string[]): Promise<StartedCentral> {
  const command = [...host.exec, process.execPath, '--conditions=@p2pstream/source', '--import', 'tsx', CENTRAL_MAIN];
  const central = await startPeer(['--host', host.address, '--port', String(SHAPED_CENTRAL_PORT), '--state', 'none', ...extra], { command, waitReady: false, stdout: 'keep' });
  try {
    await waitUntil('central to print that it listens', () => central.hasExited || CENTRAL_READY.test(central.stdout().toString('utf8')), {
      timeoutMs: READY_TIMEOUT_MS,
    });
    if (central.hasExited) throw new Error(`central exited before it listened: ${central.describe()}`);
  } catch (error) {
    await central.kill();
    throw error;
  }
  return { program: central, address: `${host.address}:${SHAPED_CENTRAL_PORT}` };
}

function uplinksReport(shaped: ShapedOptions, viewerUplinks: readonly UplinkClass[], streamBytesPerSecond: number): UplinksReport {
  const rates = viewerUplinks.map((uplink) => uplink.bytesPerSecond);
  const mean = rates.reduce((a, b) => a + b, 0) / Math.max(1, rates.length);
  const warning = capacityWarning(rates, streamBytesPerSecond);
  return {
    publisherBytesPerSecond: Math.round(shaped.publisherUplinkBytesPerSecond),
    publisherMultiple: round2(shaped.publisherUplinkBytesPerSecond / streamBytesPerSecond),
    mix: shaped.uplinks.map((entry) => ({
      uplink: entry.label,
      bytesPerSecond: Math.round(entry.bytesPerSecond),
      multiple: round2(entry.bytesPerSecond / streamBytesPerSecond),
      percent: entry.percent,
      viewers: viewerUplinks.filter((uplink) => uplink === entry).length,
    })),
    meanViewerMultiple: round2(mean / streamBytesPerSecond),
    queueMs: shaped.queueMs ?? DEFAULT_UPLINK_QUEUE_MS,
    notsentLowatBytes: shaped.notsentLowatBytes ?? null,
    ...(warning ? { capacityWarning: warning } : {}),
  };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/** Settles when the signal aborts; never without one. */
function abortedPromise(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));
}

/** `count` distinct slots, at random. */
function pickVictims(slots: readonly Slot[], count: number): Slot[] {
  const pool = [...slots];
  for (let i = pool.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, count);
}

/** A process's peak resident set (VmHWM) from /proc, or null where there is no /proc. */
function peakRssOfPid(pid: number): number | null {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}
