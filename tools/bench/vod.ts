/**
 * `npm run bench:vod` — a finished stream moved over loopback by real processes: central, a
 * publisher of a generated random file and N viewers (`watch --out FILE`, started at once),
 * against the same bytes moved by plain Node TCP (one server process, N client processes:
 * tools/bench/raw-tcp.mjs on bare node) in the same script, the two alternating round by round.
 * The peers run built (`node apps/peer/dist/main.js`, as `nx run peer:serve` and the
 * published bin run them; built first), or from source under tsx with `--runtime tsx`.
 *
 * Per side and round: MB/s (file bytes × viewers ÷ the time from the first viewer ready to the
 * last one done), CPU seconds per GB (each process's CPU between its ready line and its end,
 * from /proc, sampled every 50 ms; a viewer's per GB received, the source's per GB it sent),
 * peak RSS (VmHWM, the largest viewer and the source; under tsx it includes its compiler, ~60 MB),
 * and the publisher's upload in copies of the file. Every output is SHA-256-checked.
 * Prints the medians over rounds as a table and as JSON. Linux only (/proc).
 *
 * Options: --size (default 256MiB; Ki/Mi/Gi are powers of 1024, k/M/G of 1000), --viewers N (1), --rounds N (3),
 * --runtime built|tsx (built), --profile DIR (write a V8 CPU profile of each built viewer into DIR:
 * `node --cpu-prof`; open it in Chrome's DevTools or read it with tools/bench/profile-summary.mjs),
 * --watch-args="FLAGS" and --publish-args="FLAGS" (more flags for every viewer's `watch` and for the
 * publisher's `publish`, split at spaces: to compare settings), --help.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseInteger, parseSize, UsageError } from '@p2pstream/units';
import { freePort, startProgram, stopAllPrograms } from '../testing/index.js';
import { startPeer, stopAllPeers } from '../swarm/peer-process.js';
import { readPublisherStats } from '../swarm/stats-file.js';
import { CENTRAL_MAIN, CENTRAL_READY } from '../swarm/swarm.js';
import { parseBenchArgs } from './command-line.js';

const USAGE = `Usage: npm run bench:vod -- [options]

A finished stream moved over loopback by real processes (central, a publisher, N viewers
started at once) against plain Node TCP moving the same bytes, alternating round by round;
prints MB/s, CPU s/GB and peak RSS per side and the publisher's upload in copies (medians,
then every round as JSON). Linux only.

  --size SIZE            the generated random file (default 256MiB; Ki/Mi/Gi: 1024s, k/M/G: 1000s)
  --viewers N            viewer processes (default 1, at most 20)
  --rounds N             rounds of each side (default 3, at most 20)
  --runtime built|tsx    run the built peer (default; built first) or its source under tsx
  --profile DIR          a V8 CPU profile of each built viewer in DIR (needs --runtime built)
  --publish-args="F"     more flags for the publisher, split at spaces (default none; e.g. "--chunk-size 64KiB")
  --watch-args="F"       more flags for every viewer (default none; e.g. "--finished-pace 100ms")
  -h, --help             show this help
`;

const { values, SIZE, VIEWERS, ROUNDS } = parseBenchArgs(
  USAGE,
  {
    size: { type: 'string', default: '256MiB' },
    viewers: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '3' },
    runtime: { type: 'string', default: 'built' },
    profile: { type: 'string' },
    'watch-args': { type: 'string', default: '' },
    'publish-args': { type: 'string', default: '' },
  },
  (values) => {
    if (values.runtime !== 'built' && values.runtime !== 'tsx') throw new UsageError(`--runtime takes built or tsx, not "${values.runtime}"`);
    if (values.profile !== undefined && values.runtime !== 'built') throw new UsageError('--profile needs --runtime built (a profile of tsx is mostly its compiler)');
    return {
      values,
      SIZE: parseSize('--size', values.size),
      VIEWERS: parseInteger('--viewers', values.viewers, 1, 20),
      ROUNDS: parseInteger('--rounds', values.rounds, 1, 20),
    };
  },
);
/** How a peer is started: the built program users run, or the source under tsx (startPeer's default). */
const PEER_COMMAND = values.runtime === 'built' ? [process.execPath, 'apps/peer/dist/main.js'] : undefined;
/** Viewers run as the peers do, with V8's profiler on when --profile asks for it. */
const VIEWER_COMMAND =
  values.profile !== undefined ? [process.execPath, '--cpu-prof', '--cpu-prof-dir', values.profile, 'apps/peer/dist/main.js'] : PEER_COMMAND;
/** The baseline runs on bare node, with no compiler loaded. */
const RAW_TCP = { entry: 'tools/bench/raw-tcp.mjs', launcher: [process.execPath] };
/** More flags for every viewer (`--watch-args`). */
const WATCH_ARGS = values['watch-args'].split(' ').filter((arg) => arg !== '');
const PUBLISH_ARGS = values['publish-args'].split(' ').filter((arg) => arg !== '');
const READY_TIMEOUT_MS = 120_000;
/** A round that takes longer than this failed (at 1 MB/s, a 256 MiB file takes 4.5 minutes). */
const ROUND_TIMEOUT_MS = Math.max(120_000, (SIZE / 1e6) * 1000);
const SAMPLE_EVERY_MS = 50;
const GB = 1e9;
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** What /proc says about a process: CPU seconds so far and peak RSS. */
interface Usage {
  cpuS: number;
  peakRss: number;
}

function readUsage(pid: number): Usage | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
    return { cpuS: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS, peakRss: hwm ? Number(hwm[1]) * 1024 : 0 };
  } catch {
    return undefined; // gone
  }
}

/** Keeps the last reading of each watched process, so what it used is known after it exits. */
class UsageWatch {
  readonly #last = new Map<number, Usage>();
  readonly #timer = setInterval(() => this.sample(), SAMPLE_EVERY_MS);
  sample(): void {
    for (const [pid, previous] of this.#last) {
      const usage = readUsage(pid);
      // An exited process not yet reaped still shows its CPU time, but no memory.
      if (usage) this.#last.set(pid, { cpuS: usage.cpuS, peakRss: Math.max(previous.peakRss, usage.peakRss) });
    }
  }
  /** Starts watching `pid`; returns its reading now (the baseline). */
  watch(pid: number): Usage {
    const usage = readUsage(pid) ?? { cpuS: 0, peakRss: 0 };
    this.#last.set(pid, usage);
    return usage;
  }
  last(pid: number): Usage {
    return this.#last.get(pid) ?? { cpuS: 0, peakRss: 0 };
  }
  forget(pid: number): void {
    this.#last.delete(pid);
  }
  stop(): void {
    clearInterval(this.#timer);
  }
}

interface RoundResult {
  seconds: number;
  mbps: number;
  viewerCpuSPerGb: number;
  sourceCpuSPerGb: number;
  viewerPeakRssMiB: number;
  sourcePeakRssMiB: number;
  uploadCopies: number;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const piece of createReadStream(file)) hash.update(piece as Buffer);
  return hash.digest('hex');
}

async function writeRandomFile(file: string, bytes: number): Promise<void> {
  const handle = await open(file, 'w');
  try {
    for (let written = 0; written < bytes; ) {
      const piece = randomBytes(Math.min(8 * 1024 * 1024, bytes - written));
      await handle.write(piece);
      written += piece.length;
    }
  } finally {
    await handle.close();
  }
}

/** Resolves with Date.now() when `exited` settles, or rejects after the round's timeout. */
function doneAt(what: string, exited: Promise<{ code: number | null }>): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} still running after ${ROUND_TIMEOUT_MS} ms`)), ROUND_TIMEOUT_MS);
    void exited.then((exit) => {
      clearTimeout(timer);
      if (exit.code === 0) resolve(Date.now());
      else reject(new Error(`${what} exited with ${JSON.stringify(exit)}`));
    });
  });
}

function summarise(
  seconds: number,
  viewers: Array<{ before: Usage; after: Usage }>,
  source: { before: Usage; after: Usage },
  uploaded: number,
): RoundResult {
  const viewerCpu = viewers.reduce((sum, v) => sum + (v.after.cpuS - v.before.cpuS), 0) / viewers.length;
  return {
    seconds,
    mbps: (SIZE * VIEWERS) / 1e6 / seconds,
    viewerCpuSPerGb: viewerCpu / (SIZE / GB),
    sourceCpuSPerGb: (source.after.cpuS - source.before.cpuS) / (uploaded / GB),
    viewerPeakRssMiB: Math.max(...viewers.map((v) => v.after.peakRss)) / 2 ** 20,
    sourcePeakRssMiB: source.after.peakRss / 2 ** 20,
    uploadCopies: uploaded / SIZE,
  };
}

async function checkOutputs(outputs: string[], expected: string): Promise<void> {
  for (const out of outputs) {
    const actual = await sha256Of(out);
    if (actual !== expected) throw new Error(`${out} differs from the source (sha256 ${actual}, not ${expected})`);
    rmSync(out);
  }
}

async function rawRound(dir: string, file: string, expected: string, usage: UsageWatch): Promise<RoundResult> {
  const server = await startProgram(RAW_TCP.entry, ['serve', file, '127.0.0.1'], {
    launcher: RAW_TCP.launcher,
    readyLine: /raw-tcp serving on (\d+)/,
    timeoutMs: READY_TIMEOUT_MS,
  });
  const port = (await server.waitForLine(/raw-tcp serving on (\d+)/))[1]!;
  const sourceBefore = usage.watch(server.pid);
  const outputs = Array.from({ length: VIEWERS }, (_, i) => join(dir, `raw-${i}.out`));
  const clients = await Promise.all(
    outputs.map(async (out) => {
      const client = await startProgram(RAW_TCP.entry, ['fetch', '127.0.0.1', port, out], {
        launcher: RAW_TCP.launcher,
        readyLine: /raw-tcp connected/,
        timeoutMs: READY_TIMEOUT_MS,
      });
      return { client, readyAt: Date.now(), before: usage.watch(client.pid) };
    }),
  );
  const ends = await Promise.all(clients.map(({ client }, i) => doneAt(`raw client ${i}`, client.exited)));
  usage.sample();
  const seconds = (Math.max(...ends) - Math.min(...clients.map((c) => c.readyAt))) / 1000;
  const viewers = clients.map(({ client, before }) => ({ before, after: usage.last(client.pid) }));
  const source = { before: sourceBefore, after: usage.last(server.pid) };
  await server.stop();
  for (const { client } of clients) usage.forget(client.pid);
  usage.forget(server.pid);
  await checkOutputs(outputs, expected);
  return summarise(seconds, viewers, source, SIZE * VIEWERS);
}

async function p2pRound(dir: string, file: string, expected: string, usage: UsageWatch, round: number): Promise<RoundResult> {
  const centralPort = await freePort('127.0.0.1');
  const central = await startProgram(CENTRAL_MAIN, ['--host', '127.0.0.1', '--port', String(centralPort)], {
    readyLine: CENTRAL_READY,
    timeoutMs: READY_TIMEOUT_MS,
  });
  const centralFlag = ['--central', `127.0.0.1:${centralPort}`];
  const peerFlags = async (host: string) => [...centralFlag, '--host', host, '--port', String(await freePort(host))];
  const stats = join(dir, `publisher-${round}.jsonl`);
  const name = `vod${round}`;
  const publisher = await startPeer(
    ['publish', name, '--source', file, '--format', 'raw', '--key', join(dir, `${name}.key`), '--stats', stats, ...PUBLISH_ARGS, ...(await peerFlags('127.0.0.2'))],
    { readyTimeoutMs: READY_TIMEOUT_MS, ...(PEER_COMMAND ? { command: PEER_COMMAND } : {}) },
  );
  const sourceBefore = usage.watch(publisher.pid);
  const outputs = Array.from({ length: VIEWERS }, (_, i) => join(dir, `p2p-${i}.out`));
  const viewers = await Promise.all(
    outputs.map(async (out, i) => {
      const peer = await startPeer(['watch', name, '--out', out, ...WATCH_ARGS, ...(await peerFlags(`127.0.0.${3 + i}`))], {
        readyTimeoutMs: READY_TIMEOUT_MS,
        ...(VIEWER_COMMAND ? { command: VIEWER_COMMAND } : {}),
      });
      return { peer, readyAt: Date.now(), before: usage.watch(peer.pid) };
    }),
  );
  const ends = await Promise.all(viewers.map(({ peer }, i) => doneAt(`viewer ${i}`, peer.exited)));
  usage.sample();
  const seconds = (Math.max(...ends) - Math.min(...viewers.map((v) => v.readyAt))) / 1000;
  const source = { before: sourceBefore, after: usage.last(publisher.pid) };
  const viewerUsage = viewers.map(({ peer, before }) => ({ before, after: usage.last(peer.pid) }));
  // Stopping it writes its last stats line, with every byte it sent.
  await publisher.stop();
  await central.stop();
  for (const { peer } of viewers) usage.forget(peer.pid);
  usage.forget(publisher.pid);
  const uploaded = readPublisherStats(stats).at(-1)?.bytesUploaded ?? NaN;
  await checkOutputs(outputs, expected);
  return summarise(seconds, viewerUsage, source, uploaded);
}

const median = (list: number[]): number => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
const medians = (results: RoundResult[]): RoundResult =>
  Object.fromEntries(Object.keys(results[0]!).map((key) => [key, median(results.map((r) => r[key as keyof RoundResult]))])) as unknown as RoundResult;

const dir = mkdtempSync(join(tmpdir(), 'p2pstream-bench-vod-'));
const usage = new UsageWatch();
const stopAll = async () => {
  usage.stop();
  await stopAllPeers();
  await stopAllPrograms();
  rmSync(dir, { recursive: true, force: true });
};
process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
try {
  if (PEER_COMMAND) execFileSync('npx', ['nx', 'run', 'peer:build', '--output-style=static'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NX_DAEMON: 'false' } });
  const file = join(dir, 'source.bin');
  await writeRandomFile(file, SIZE);
  const expected = await sha256Of(file);
  const raw: RoundResult[] = [];
  const p2p: RoundResult[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    raw.push(await rawRound(dir, file, expected, usage));
    p2p.push(await p2pRound(dir, file, expected, usage, round));
    console.error(`round ${round + 1}/${ROUNDS}: raw ${raw.at(-1)!.mbps.toFixed(0)} MB/s, p2pstream ${p2p.at(-1)!.mbps.toFixed(0)} MB/s`);
  }
  const [r, p] = [medians(raw), medians(p2p)];
  const row = (label: string, x: RoundResult) =>
    `| ${label} | ${x.mbps.toFixed(0)} | ${x.viewerCpuSPerGb.toFixed(1)} | ${x.sourceCpuSPerGb.toFixed(1)} | ${x.viewerPeakRssMiB.toFixed(0)} | ${x.sourcePeakRssMiB.toFixed(0)} | ${x.uploadCopies.toFixed(2)} |`;
  console.log(`${(SIZE / 2 ** 20).toFixed(0)} MiB, 1 source → ${VIEWERS} viewer(s), median of ${ROUNDS} rounds, peers ${values.runtime}${WATCH_ARGS.length > 0 ? ` (watch ${WATCH_ARGS.join(' ')})` : ''}${PUBLISH_ARGS.length > 0 ? ` (publish ${PUBLISH_ARGS.join(' ')})` : ''}, ${(await import('node:os')).cpus().length} cores, Node ${process.version}`);
  console.log('');
  console.log('| | MB/s (all viewers) | viewer CPU s/GB | source CPU s/GB | viewer peak RSS MiB | source peak RSS MiB | source upload (copies) |');
  console.log('|---|---|---|---|---|---|---|');
  console.log(row('raw TCP', r));
  console.log(row('p2pstream', p));
  console.log('');
  console.log(`p2pstream ÷ raw TCP: ${(p.mbps / r.mbps).toFixed(2)}× the throughput`);
  console.log(JSON.stringify({ sizeBytes: SIZE, viewers: VIEWERS, rounds: ROUNDS, raw, p2p }));
} finally {
  await stopAll();
}
