/**
 * `npm run bench:connection` — throughput of @p2pstream/connection against a raw
 * `net` socket moving the same bytes in the same run, and the accuracy of the
 * shared upload limiter.
 *
 * As in a swarm, the sending end listens (a peer's server half) and the
 * receiving end dials it (a viewer):
 *   raw        64 KiB buffers written to a plain socket (write / 'drain'), counted on arrival
 *   push       64 KiB `chunk` messages, send() / drained(), decoded and validated on arrival
 *   requests   the viewer asks with `request` and 32 in flight; each reply is a 64 KiB `chunk`
 *   limiter    4 connections sharing one UploadLimiter, bytes on the wire over --seconds
 *
 * Each run starts a fresh pair of child processes, so the peak RSS reported for
 * each end is that end's alone. The first 64 MiB of every run warm the code up
 * and are not timed (a peer runs for hours); the receiver times the rest. Rounds
 * alternate the modes and the ratio reported is the median of each round's
 * ratio, because the two cores are shared with whatever else runs. CPU time of
 * each end (from 'go', warm-up included) is reported too: unlike throughput it
 * hardly depends on what else the machine is doing.
 * Options: --mib N (per run, default 256), --rounds N (default 7),
 *          --rate MiB/s (limiter, default 8), --seconds S (limiter, default 10), --help;
 *          --child, --mode and --port are how the script starts its own child processes.
 * Exits non-zero when the limiter is off by more than 5%.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
import { parseInteger, parsePositive, UsageError } from '@p2pstream/units';
import { encodeFrame, type ChunkMessage } from '@p2pstream/wire';
import { dial, listen, UploadLimiter, type Connection } from '@p2pstream/connection';
import { parseBenchArgs } from './command-line.js';

type Mode = 'raw' | 'push' | 'requests' | 'limiter';
type Report =
  | { t: 'ready'; port: number }
  | { t: 'done'; bytes: number; wireBytes: number; seconds: number; peakRssMiB: number; cpuMs: number };

const USAGE = `Usage: npm run bench:connection -- [options]

Throughput of @p2pstream/connection against a raw net socket moving the same bytes (raw, push,
requests: each run a fresh sender and receiver process, rounds alternating the modes), then the
accuracy of the shared upload limiter over 4 connections; prints JSON lines, exits 1 when the
limiter is off by more than 5%.

  --mib N                MiB timed per run, after 64 MiB of warm-up (default 256)
  --rounds N             rounds of raw, push and requests (default 7)
  --rate R               the limiter's rate in MiB/s (default 8)
  --seconds S            how long the limiter is measured (default 10)
  -h, --help             show this help

Used by the script for its own child processes: --child sender|receiver, --mode, --port.
`;

const MODES: readonly Mode[] = ['raw', 'push', 'requests', 'limiter'];

const { values, rounds, timedBytes, limiterRate, limiterSeconds } = parseBenchArgs(
  USAGE,
  {
    child: { type: 'string' },
    mode: { type: 'string' },
    port: { type: 'string' },
    mib: { type: 'string', default: '256' },
    rounds: { type: 'string', default: '7' },
    rate: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '10' },
  },
  (values) => {
    if (values.child !== undefined && values.child !== 'sender' && values.child !== 'receiver') throw new UsageError(`--child is sender or receiver, not "${values.child}"`);
    if (values.child !== undefined && !MODES.includes(values.mode as Mode)) throw new UsageError(`--mode is one of ${MODES.join(', ')}, not "${values.mode}"`);
    return {
      values,
      rounds: parseInteger('--rounds', values.rounds, 1, 1000),
      timedBytes: parseInteger('--mib', values.mib, 1, 1024 * 1024) * 1024 * 1024,
      limiterRate: parsePositive('--rate', values.rate) * 1024 * 1024,
      limiterSeconds: parsePositive('--seconds', values.seconds),
    };
  },
);
const CHUNK = 64 * 1024;
const IN_FLIGHT = 32;
const LIMITER_CONNECTIONS = 4;
const WARM_UP_BYTES = 64 * 1024 * 1024;
const totalBytes = WARM_UP_BYTES + timedBytes;
const chunkCount = totalBytes / CHUNK;

const peakRssMiB = () => Math.round(process.resourceUsage().maxRSS / 1024);
const report = (message: Report) => process.send!(message);
const SIG = Buffer.alloc(64, 9);
const chunkMessage = (seq: number, data: Buffer): ChunkMessage => ({ t: 'chunk', re: seq + 1, seq, ts: 0, sig: SIG, data });
/** Resolves on the parent's first message: 'go'. */
const go = (): Promise<void> => new Promise((resolve) => process.once('message', () => resolve()));
/** CPU time this process has used since the parent said 'go' (warm-up included), in ms. */
let cpuAtGo: NodeJS.CpuUsage | undefined;
void go().then(() => (cpuAtGo = process.cpuUsage()));
const cpuMs = (): number => {
  const used = process.cpuUsage(cpuAtGo);
  return Math.round((used.user + used.system) / 1000);
};

// ------------------------------------------------------------- sending end (listens)
async function sender(mode: Mode): Promise<void> {
  const payload = Buffer.alloc(CHUNK, 0x47);
  const started = go();
  let port: number;

  if (mode === 'raw') {
    const server = createServer(async (socket: Socket) => {
      await started;
      for (let i = 0; i < chunkCount; i++) {
        if (!socket.write(payload)) await new Promise((resolve) => socket.once('drain', resolve));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  } else if (mode === 'requests') {
    const server = await listen({
      host: '127.0.0.1',
      port: 0,
      role: 'peer',
      limits: { maxPeerRequests: IN_FLIGHT },
      handlers: {
        request: (message, connection) => connection.reply(message, { t: 'chunk', seq: message.seq, ts: 0, sig: SIG, data: payload }),
      },
    });
    port = server.address().port;
  } else {
    const uploadLimiter = mode === 'limiter' ? new UploadLimiter({ bytesPerSecond: limiterRate }) : undefined;
    const server = await listen({ host: '127.0.0.1', port: 0, role: 'peer', uploadLimiter });
    server.on('connection', async (connection) => {
      await started;
      const count = mode === 'limiter' ? Number.MAX_SAFE_INTEGER : chunkCount;
      for (let seq = 0; seq < count && connection.state === 'open'; seq++) {
        if (!connection.send(chunkMessage(seq, payload))) await connection.drained().catch(() => undefined);
      }
    });
    port = server.address().port;
  }
  report({ t: 'ready', port });
  await started;
  // The parent's second message asks for the peak, once the receiver has everything.
  process.once('message', () => report({ t: 'done', bytes: 0, wireBytes: 0, seconds: 0, peakRssMiB: peakRssMiB(), cpuMs: cpuMs() }));
}

// ------------------------------------------------------------ receiving end (dials)
async function receiver(mode: Mode, port: number): Promise<void> {
  let bytes = 0;
  let wireBytes = 0;
  let firstAt = 0;
  let timedFrom = 0;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    const seconds = mode === 'limiter' ? limiterSeconds : (performance.now() - timedFrom) / 1000;
    const timed = mode === 'limiter' ? bytes : bytes - WARM_UP_BYTES;
    report({ t: 'done', bytes: timed, wireBytes, seconds, peakRssMiB: peakRssMiB(), cpuMs: cpuMs() });
  };
  const count = (received: number) => {
    if (bytes < WARM_UP_BYTES && bytes + received >= WARM_UP_BYTES) timedFrom = performance.now();
    bytes += received;
    if (bytes >= totalBytes) finish();
  };

  if (mode === 'raw') {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('data', (data: Buffer) => count(data.length));
    await new Promise((resolve) => socket.once('connect', resolve));
    report({ t: 'ready', port });
    return;
  }

  const onChunk = (message: ChunkMessage) => {
    if (mode === 'limiter') {
      const now = performance.now();
      if (firstAt === 0) firstAt = now;
      if (now - firstAt > limiterSeconds * 1000) return finish();
      wireBytes += encodeFrame(message).length;
      bytes += message.data.length;
    } else {
      count(message.data.length);
    }
  };
  const connections: Connection[] = [];
  for (let i = 0; i < (mode === 'limiter' ? LIMITER_CONNECTIONS : 1); i++) {
    const connection = await dial('127.0.0.1', port, { role: 'peer' });
    connection.on('message', (message) => message.t === 'chunk' && onChunk(message));
    connections.push(connection);
  }
  if (mode === 'limiter') setInterval(() => firstAt > 0 && performance.now() - firstAt > limiterSeconds * 1000 && finish(), 10);
  report({ t: 'ready', port });
  if (mode === 'requests') {
    await go();
    let next = 0;
    const ask = async () => {
      // Each reply is counted by the `message` listener above.
      while (next < chunkCount) await connections[0]!.request({ t: 'request', seq: next++ });
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, ask));
  }
}

// -------------------------------------------------------------------- orchestration
function start(args: string[]): { child: ChildProcess; next: () => Promise<Report> } {
  const child = fork(import.meta.filename, args, { stdio: 'inherit' });
  const queue: Report[] = [];
  const waiting: Array<(message: Report) => void> = [];
  child.on('message', (message: Report) => {
    const wake = waiting.shift();
    if (wake) wake(message);
    else queue.push(message);
  });
  const next = () =>
    new Promise<Report>((resolve, reject) => {
      const queued = queue.shift();
      if (queued) return resolve(queued);
      waiting.push(resolve);
      child.once('exit', (code) => reject(new Error(`child ${args.join(' ')} exited with ${code}`)));
    });
  return { child, next };
}

interface Run {
  mode: Mode;
  seconds: number;
  MiBps: number;
  senderCpuMs: number;
  receiverCpuMs: number;
  senderRssMiB: number;
  receiverRssMiB: number;
  wireBytes: number;
}

async function run(mode: Mode): Promise<Run> {
  const common = ['--mode', mode, '--mib', String(values.mib), '--rate', String(values.rate), '--seconds', String(values.seconds)];
  const sending = start(['--child', 'sender', ...common]);
  const listening = await sending.next();
  if (listening.t !== 'ready') throw new Error('the sender did not start');
  const receiving = start(['--child', 'receiver', '--port', String(listening.port), ...common]);
  await receiving.next();
  sending.child.send('go');
  receiving.child.send('go');
  const received = await receiving.next();
  sending.child.send('report');
  const sent = await sending.next();
  for (const child of [sending.child, receiving.child]) child.send('exit');
  if (received.t !== 'done' || sent.t !== 'done') throw new Error('a child did not report');
  const { seconds } = received;
  return {
    mode,
    seconds: +seconds.toFixed(3),
    MiBps: Math.round(received.bytes / 2 ** 20 / seconds),
    senderCpuMs: sent.cpuMs,
    receiverCpuMs: received.cpuMs,
    senderRssMiB: sent.peakRssMiB,
    receiverRssMiB: received.peakRssMiB,
    wireBytes: received.wireBytes,
  };
}

const median = (numbers: number[]) => [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)]!;

async function main(): Promise<void> {
  const modes = ['raw', 'push', 'requests'] as const;
  const runs: Record<(typeof modes)[number], Run[]> = { raw: [], push: [], requests: [] };
  for (let round = 0; round < rounds; round++) {
    for (const mode of modes) {
      const { wireBytes: _, ...result } = await run(mode);
      runs[mode].push({ ...result, wireBytes: 0 });
      console.log(JSON.stringify({ round, ...result }));
    }
  }
  const summary = (mode: (typeof modes)[number]) => ({
    MiBps: median(runs[mode].map((r) => r.MiBps)),
    senderCpuMs: median(runs[mode].map((r) => r.senderCpuMs)),
    receiverCpuMs: median(runs[mode].map((r) => r.receiverCpuMs)),
    senderRssMiB: Math.max(...runs[mode].map((r) => r.senderRssMiB)),
    receiverRssMiB: Math.max(...runs[mode].map((r) => r.receiverRssMiB)),
    ratioVsRaw: +median(runs[mode].map((r, round) => r.MiBps / runs.raw[round]!.MiBps)).toFixed(2),
  });
  const { ratioVsRaw: _, ...raw } = summary('raw');
  console.log(
    JSON.stringify({
      MiB: Number(values.mib),
      chunkKiB: CHUNK / 1024,
      rounds,
      raw,
      push: summary('push'),
      requests: { ...summary('requests'), inFlight: IN_FLIGHT },
    }),
  );

  const limited = await run('limiter');
  const measured = limited.wireBytes / limited.seconds;
  const errorPercent = ((measured - limiterRate) / limiterRate) * 100;
  console.log(
    JSON.stringify({
      limiter: {
        connections: LIMITER_CONNECTIONS,
        configuredMiBps: Number(values.rate),
        measuredMiBps: +(measured / 2 ** 20).toFixed(3),
        seconds: limited.seconds,
        errorPercent: +errorPercent.toFixed(2),
      },
    }),
  );
  console.log(JSON.stringify({ node: process.version }));
  if (Math.abs(errorPercent) > 5) process.exitCode = 1;
}

// A child leaves when told to, through process.exit, so profilers can write their output.
if (values.child) process.on('message', (message) => message === 'exit' && process.exit(0));
if (values.child === 'sender') await sender(values.mode as Mode);
else if (values.child === 'receiver') await receiver(values.mode as Mode, Number(values.port));
else await main();
