/**
 * `npm run swarm -- --viewers N --rate 2mbit --publisher-limit 3x --duration 60s
 *   [--kill-fraction 0.2] [--source FILE] [--pacing harness|program] [--behind D] [--keep DIR]`
 *
 * Starts central, a live publisher and N viewers as real processes on 127.0.0.x,
 * and prints one JSON report on stdout (progress goes to stderr). See README.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../testing/index.js';
import { killAllPeersNow } from './peer-process.js';
import { runSwarm } from './swarm.js';
import { parseDuration, parseFraction, parseLimit, parseRate } from './units.js';

const USAGE = `Usage: npm run swarm -- [options]

Runs central, a live publisher and N viewers on 127.0.0.x and prints a JSON report.

  --viewers N            viewer processes (default 8)
  --rate RATE            the stream's rate: 2mbit, 500kbit, 250k (bytes), 1.5MB/s (default 2mbit)
  --publisher-limit L    the publisher's --upload-limit: a multiple of the rate (3x) or a rate (default 3x)
  --duration D           how long to run once every viewer is started: 60s, 2m (default 60s)
  --kill-fraction F      share of viewers killed (SIGKILL) and restarted during the run (default 0)
  --source FILE          MPEG-TS file to loop (default tools/fixtures/test-stream.mpegts)
  --pacing P             harness: the harness pipes the looped source at the rate into
                         publish --source -; program: publish --realtime --bitrate --loop (default harness)
  --start-interval D     pause between viewer starts (default 300ms)
  --behind D             the viewers' watch --behind: how far behind the newest chunk
                         they start (default: the peer's own, 4s)
  --keep DIR             keep stats files and the publisher's key in DIR (default: a temporary
                         directory, removed afterwards)
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
      keep: { type: 'string' },
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
  const viewers = Number(v.viewers);
  if (!Number.isInteger(viewers) || viewers < 1 || viewers > 2000) throw new RangeError(`--viewers takes a whole number from 1 to 2000, not "${v.viewers}"`);
  if (v.pacing !== 'harness' && v.pacing !== 'program') throw new RangeError(`--pacing is harness or program, not "${v.pacing}"`);
  const bytesPerSecond = parseRate(v.rate);
  config = {
    viewers,
    bytesPerSecond,
    publisherLimit: parseLimit(v['publisher-limit'], bytesPerSecond),
    durationMs: parseDuration(v.duration),
    killFraction: parseFraction(v['kill-fraction']),
    source: resolve(v.source),
    pacing: v.pacing,
    startIntervalMs: parseDuration(v['start-interval']),
    ...(v.behind === undefined ? {} : { behindMs: parseDuration(v.behind) }),
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
  process.stderr.write(`swarm: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
} finally {
  if (!v.keep) rmSync(workDir, { recursive: true, force: true });
}
