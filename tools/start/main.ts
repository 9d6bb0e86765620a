/**
 * `npm start -- [--viewers N] [--source FILE|-] [--publisher-limit L]`
 *
 * A whole swarm on this machine: central, a live publisher and N viewers, started as the
 * programs a user runs, with a live table; Ctrl-C (or SIGTERM, SIGHUP) stops every one of them.
 * See USAGE in options.ts and the README's "Try it" section.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_BIND, STOP_GRACE_MS, STREAM_NAME } from './constants.js';
import { UsageError } from '@p2pstream/units';
import { showLiveTable } from './live-view.js';
import { startLocalSwarm, stopLocalSwarm } from './local-swarm.js';
import { parseStartArgs, USAGE } from './options.js';

const say = (line: string) => process.stdout.write(`${line}\n`);

let parsed;
try {
  parsed = parseStartArgs(process.argv.slice(2));
  if (!parsed.help && parsed.options.source === '-' && process.stdin.isTTY) {
    throw new UsageError('--source - reads a live MPEG-TS stream from stdin; pipe one in, e.g. ffmpeg … -f mpegts - | npm start -- --source -');
  }
} catch (error) {
  process.stderr.write(`npm start: ${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (parsed.help) {
  say(USAGE);
  process.exit(0);
}

const stopping = new AbortController();
let stopped: Promise<void> | undefined;
const stopAll = () => (stopped ??= stopLocalSwarm(STOP_GRACE_MS));
const onSignal = (signal: NodeJS.Signals) => {
  // npm passes the terminal's Ctrl-C on as well: one stop is enough, and it is bounded.
  if (stopping.signal.aborted) return;
  say(`\n${signal}: stopping every process (SIGINT, then SIGKILL after ${STOP_GRACE_MS / 1000} s)`);
  stopping.abort();
  void stopAll();
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
// Whoever read our output went away (`npm start | head`): stop as for a signal rather than crash and leave the programs running.
process.stdout.on('error', () => onSignal('SIGPIPE'));

const workDir = mkdtempSync(join(tmpdir(), 'p2pstream-start-'));
let exitCode = 0;
try {
  say('p2pstream: a local swarm; each line is a program you can run yourself (npx nx run central:serve / peer:serve -- …)');
  const startedAt = Date.now();
  const swarm = await startLocalSwarm({ ...parsed.options, workDir, log: say, signal: stopping.signal });
  say('');
  say(`Open the watch page in a browser: ${swarm.watch.local}`);
  if (swarm.watch.lan) say(`  from another machine on this LAN: ${swarm.watch.lan}`);
  else if (parsed.options.bind === DEFAULT_BIND) say('  (for other machines on the LAN: npm start -- --bind 0.0.0.0)');
  say(`Or the first viewer's player: ${swarm.playerUrl}`);
  say(`  or in mpv / VLC: mpv ${swarm.playerUrl}stream.ts`);
  say(`Join from another terminal: npx nx run peer:serve -- watch ${STREAM_NAME} --central ${swarm.central.address} --http 8090`);
  say('Ctrl-C stops every process above.');
  say('');
  await showLiveTable(swarm, { out: process.stdout, startedAt, signal: stopping.signal });
} catch (error) {
  if (!stopping.signal.aborted) {
    process.stderr.write(`npm start: ${(error as Error).message}\n`);
    exitCode = error instanceof UsageError ? 2 : 1;
  }
} finally {
  stopping.abort();
  await stopAll();
  rmSync(workDir, { recursive: true, force: true });
}
say('p2pstream: every process it started has exited');
process.exit(exitCode);
