/**
 * `npm run swarm -- --viewers N --rate 2mbit --publisher-limit 3x --duration 60s
 *   [--kill-fraction 0.2] [--source FILE] [--pacing harness|program] [--latency D] [--max-latency D] [--behind D] [--keep DIR]
 *   [--shaped [--uplinks 0.5x:20,1.5x:50,3x:30] [--publisher-uplink 2x] [--uplink-queue 200ms]]
 *   [--lag-sample-every N] [--peer-arg ARG]... [--tcp-notsent-lowat S] [--nat [--homes 2] [--home-share 0.8] [--no-traversal]]`
 *
 * Starts central, a live publisher and N viewers as real processes on 127.0.0.x (or,
 * with --shaped, each in a network namespace with a capped uplink), and prints one
 * JSON report on stdout (progress goes to stderr). See README.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../testing/index.js';
import { killAllPeersNow } from './peer-process.js';
import { DEFAULT_UPLINK_QUEUE_MS, ShapedNetworkError } from './shaped-network.js';
import { NatNetworkError } from './nat-network.js';
import { DEFAULT_HOME_SHARE, DEFAULT_HOMES, parseNatFlags } from './nat-homes.js';
import { DEFAULT_LAG_SAMPLE_EVERY, runSwarm } from './swarm.js';
import { parseDuration, parseFraction, parseInteger, parseRate, parseSize } from '@p2pstream/units';
import { DEFAULT_UPLINK_MIX, parseLimit, parseUplinkMix } from './uplinks.js';

const USAGE = `Usage: npm run swarm -- [options]

Runs central, a live publisher and N viewers on 127.0.0.x (or, with --shaped, each
in a network namespace of its own with a capped uplink) and prints a JSON report.

  --viewers N            viewer processes (default 8)
  --rate RATE            the stream's rate: 2mbit, 500kbit, 250k (bytes), 1.5MB/s (default 2mbit)
  --publisher-limit L    the publisher's --upload-limit: a multiple of the rate (3x) or a rate (default 3x)
  --duration D           how long to run once every viewer is started: 60s, 2m (default 60s)
  --kill-fraction F      share of viewers killed (SIGKILL) and restarted during the run (default 0)
  --source FILE          MPEG-TS file to loop (default tools/fixtures/test-stream.mpegts)
  --pacing P             harness: the harness pipes the looped source at the rate into
                         publish --source -; program: publish --realtime --bitrate --loop (default harness)
  --start-interval D     pause between viewer starts (default 300ms)
  --latency D            the viewers' watch --latency: play each chunk D after it could
                         first be announced (default: the peer's own, 2s)
  --max-latency D        the viewers' watch --max-latency: the most their latency falls
                         back to before a late chunk is skipped (default: the peer's own, 6s)
  --behind D             the viewers' watch --behind instead of --latency: start D behind
                         the newest chunk, plus a 2 s start-up delay (default: not given)
  --keep DIR             keep stats files and the publisher's key in DIR (default: a temporary
                         directory, removed afterwards)
  --lag-sample-every N   stamp a lag sample into the source after every N of its 188-byte
                         packets, to measure lag on the bytes (harness pacing; default ${DEFAULT_LAG_SAMPLE_EVERY})
  --peer-arg ARG         one more argument for the publisher and every viewer, in order;
                         repeat it: --peer-arg=--max-upload-queue --peer-arg=1h

Shaped swarm (needs root, ip and tc; exits with 2 and the reason when it cannot run):
  --shaped               central, the publisher and each viewer in a network namespace of
                         its own on a private bridge (10.99.0.0/16), each uplink capped by tbf
  --uplinks MIX          the viewers' uplinks: UPLINK:PERCENT,... where UPLINK is a multiple
                         of the rate (1.5x) or a rate (4mbit) (default ${DEFAULT_UPLINK_MIX})
  --publisher-uplink U   the publisher's uplink: a multiple of the rate or a rate (default 2x)
  --uplink-queue D       how long a full uplink's queue holds packets (tbf latency) (default ${DEFAULT_UPLINK_QUEUE_MS}ms)
  --tcp-notsent-lowat S  each host's net.ipv4.tcp_notsent_lowat (16KiB, 128KiB): a socket holds at
                         most this much unsent, the rest waits in the program (default: the kernel's, unlimited)

NAT swarm (needs root, ip, tc and nft; implies --shaped):
  --nat                  put viewers in "homes": each a LAN (192.168.H.0/24) behind a router
                         namespace that masquerades with nftables; every viewer runs
                         --webrtc --ice stun:CENTRAL, central answers STUN and relays signals
  --homes N              how many homes (default ${DEFAULT_HOMES})
  --home-share F         share of the viewers in homes, spread over them in turn (default ${DEFAULT_HOME_SHARE})
  --no-traversal         viewers on TCP only (no --webrtc): nobody reaches a NAT'd viewer, which
                         uploads only over the connections it dialed (with --peer-arg=--no-symmetric:
                         not at all)
  -h, --help             show this help
`;

let parsed;
try {
  parsed = parseArgs({
    options: {
      viewers: { type: 'string', default: '8' },
      rate: { type: 'string', default: '2mbit' },
      'publisher-limit': { type: 'string', default: '3x' },
      duration: { type: 'string', default: '60s' },
      'kill-fraction': { type: 'string', default: '0' },
      source: { type: 'string', default: join(REPO_ROOT, 'tools/fixtures/test-stream.mpegts') },
      pacing: { type: 'string', default: 'harness' },
      'start-interval': { type: 'string', default: '300ms' },
      behind: { type: 'string' },
      latency: { type: 'string' },
      'max-latency': { type: 'string' },
      keep: { type: 'string' },
      'lag-sample-every': { type: 'string', default: String(DEFAULT_LAG_SAMPLE_EVERY) },
      'peer-arg': { type: 'string', multiple: true },
      shaped: { type: 'boolean', default: false },
      uplinks: { type: 'string' },
      'publisher-uplink': { type: 'string' },
      'uplink-queue': { type: 'string' },
      nat: { type: 'boolean', default: false },
      homes: { type: 'string' },
      'home-share': { type: 'string' },
      'no-traversal': { type: 'boolean' },
      'tcp-notsent-lowat': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
} catch (error) {
  process.stderr.write(`swarm: ${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}
const v = parsed.values;
if (v.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

let config;
try {
  const viewers = parseInteger('--viewers', v.viewers, 1, 2000);
  if (v.pacing !== 'harness' && v.pacing !== 'program') throw new RangeError(`--pacing is harness or program, not "${v.pacing}"`);
  const bytesPerSecond = parseRate('--rate', v.rate);
  const lagSampleEvery = parseInteger('--lag-sample-every', v['lag-sample-every'], 1, Number.MAX_SAFE_INTEGER);
  const shapedOnly = (['uplinks', 'publisher-uplink', 'uplink-queue', 'tcp-notsent-lowat'] as const).filter((flag) => v[flag] !== undefined);
  if (!v.shaped && !v.nat && shapedOnly.length > 0) throw new RangeError(`--${shapedOnly[0]} shapes uplinks, so it needs --shaped`);
  const natOnly = (['homes', 'home-share', 'no-traversal'] as const).filter((flag) => v[flag] !== undefined);
  if (!v.nat && natOnly.length > 0) throw new RangeError(`--${natOnly[0]} places viewers behind NAT, so it needs --nat`);
  if (v.nat && v['tcp-notsent-lowat'] !== undefined) throw new RangeError('--tcp-notsent-lowat is set on shaped hosts only, not yet with --nat');
  const nat = v.nat ? parseNatFlags(v.homes, v['home-share'], v['no-traversal'] === true) : undefined;
  const shaped = v.shaped || v.nat
    ? {
        uplinks: parseUplinkMix(v.uplinks ?? DEFAULT_UPLINK_MIX, bytesPerSecond),
        publisherUplinkBytesPerSecond: parseLimit('--publisher-uplink', v['publisher-uplink'] ?? '2x', bytesPerSecond),
        queueMs: v['uplink-queue'] === undefined ? DEFAULT_UPLINK_QUEUE_MS : parseDuration('--uplink-queue', v['uplink-queue']),
        ...(v['tcp-notsent-lowat'] === undefined ? {} : { notsentLowatBytes: parseSize('--tcp-notsent-lowat', v['tcp-notsent-lowat'], 1 << 30) }),
      }
    : undefined;
  config = {
    viewers,
    bytesPerSecond,
    publisherLimit: parseLimit('--publisher-limit', v['publisher-limit'], bytesPerSecond),
    durationMs: parseDuration('--duration', v.duration),
    killFraction: parseFraction('--kill-fraction', v['kill-fraction']),
    source: resolve(v.source),
    pacing: v.pacing,
    startIntervalMs: parseDuration('--start-interval', v['start-interval']),
    ...(v.behind === undefined ? {} : { behindMs: parseDuration('--behind', v.behind) }),
    ...(v.latency === undefined ? {} : { latencyMs: parseDuration('--latency', v.latency) }),
    ...(v['max-latency'] === undefined ? {} : { maxLatencyMs: parseDuration('--max-latency', v['max-latency']) }),
    lagSampleEvery,
    peerArgs: v['peer-arg'] ?? [],
    ...(shaped ? { shaped } : {}),
    ...(nat ? { nat } : {}),
  } as const;
} catch (error) {
  process.stderr.write(`swarm: ${(error as Error).message}\n`);
  process.exit(2);
}

const workDir = v.keep ? resolve(v.keep) : mkdtempSync(join(tmpdir(), 'p2pstream-swarm-'));
const abort = new AbortController();
let interrupts = 0;
const onSignal = (signal: NodeJS.Signals) => {
  interrupts += 1;
  if (interrupts === 1) {
    process.stderr.write(`swarm: ${signal} — stopping every process and writing the report (again to kill them at once)\n`);
    abort.abort();
  } else {
    killAllPeersNow();
  }
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

try {
  const report = await runSwarm({
    ...config,
    workDir,
    signal: abort.signal,
    log: (line) => process.stderr.write(`swarm: ${line}\n`),
  });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} catch (error) {
  if (error instanceof ShapedNetworkError || error instanceof NatNetworkError) {
    process.stderr.write(`swarm: ${error.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`swarm: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  }
} finally {
  if (!v.keep) rmSync(workDir, { recursive: true, force: true });
}
