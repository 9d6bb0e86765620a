import { createInterface } from 'node:readline/promises';
import { PeerClient } from '@p2pstream/peer-client';
import type { TrackerClient } from '@p2pstream/tracker-client';
import { NAME_PATTERN, WireErrorCode } from '@p2pstream/wire';
import { DEFAULT_HTTP_HOST, type WatchConfig } from './cli.js';
import { PeerHttpServer } from './http-server.js';
import type { Lifecycle } from './lifecycle.js';
import type { Log } from './log.js';
import { Outputs } from './outputs.js';
import { every, localAddressOf, startPeerNode, trackerFor } from './peer-node.js';
import { loadWebRTC } from './webrtc.js';
import { findPlayer, startPlayer } from './player.js';
import { StartSink } from './start-sink.js';
import { SilenceWatch } from './silence-watch.js';
import { viewerRecord } from './stats-file.js';
import { PlayPace, viewerStatusLine } from './status-line.js';
import { streamsTable } from './run-list.js';
import { SwarmReporter } from './swarm-report.js';
import { formatMediaTime, UsageError } from '@p2pstream/units';
import { formatStreams, userMessage } from './user-errors.js';
import { UserError } from './usage-error.js';

const STATS_EVERY_MS = 1_000;
/** The web page's swarm panel and /stats.json are refreshed this often. */
const REPORT_EVERY_MS = 1_000;
const PLAIN_STATUS_EVERY = 10;
/** Exit code of `watch --exit-on-silence` when the stream went silent. */
const SILENCE_EXIT_CODE = 3;

/** Whether Nx runs this program as `nx run peer:serve` (or `peer:start`), and so reads its stdout. */
function runByNxServe(): boolean {
  const target = process.env['NX_TASK_TARGET_TARGET'];
  return process.env['NX_TASK_TARGET_PROJECT'] === 'peer' && (target === 'serve' || target === 'start');
}

/** `watch [NAME]` and `relay NAME`. Watch stops itself once a finished stream is written; relay runs until stopped. */
export async function runWatch(config: WatchConfig, log: Log, lifecycle: Lifecycle): Promise<void> {
  const relay = config.command === 'relay';
  const player = config.player && { name: config.player, executable: findPlayer(config.player) };
  const out = relay ? undefined : (config.out ?? (config.http || player || process.stdout.isTTY ? undefined : '-'));
  if (!relay && out === undefined && config.http === undefined && !player) {
    throw new UsageError('watch needs somewhere to play the stream: --mpv (or --vlc, --ffplay), --out - | mpv -, --out FILE, or --http 8080 (then open the URL in a player)');
  }
  if (out === '-' && runByNxServe()) {
    throw new UsageError(
      'Nx passes a program\'s output on as text, with lines of its own, so a stream on stdout would reach no player intact: pipe from npm instead (npm run -s peer -- watch NAME --out - | mpv -), or use --http 8080 or --out FILE',
    );
  }
  const asked = config.name === undefined ? await askForName(config, log, lifecycle) : undefined;
  const name = config.name ?? asked!.name;
  // A player plays the local /stream.ts: the HTTP output already starts each player at a keyframe, any number of them.
  const httpAt = config.http ?? (player ? { host: DEFAULT_HTTP_HOST, port: 0 } : undefined);
  const http = httpAt ? await PeerHttpServer.listen(httpAt.host, httpAt.port) : undefined;
  // Added first, so it closes last: after play-out has ended its players.
  if (http) lifecycle.add(() => http.close());
  const outputs = relay ? undefined : await Outputs.open(out, http?.output);
  if (outputs) lifecycle.add(() => outputs.close());
  const sink = outputs ? new StartSink(outputs, config.fromMs) : undefined;

  const webrtc = config.webrtc ? await loadWebRTC(config.webrtc) : undefined;
  const { tracker, server, stats, metrics } = await startPeerNode(config, log, lifecycle, asked?.tracker);
  const localAddress = localAddressOf(config.host);
  const client = new PeerClient({
    name,
    tracker,
    server,
    maxPeers: config.maxPeers,
    finishedStore: config.cacheBytes === undefined ? {} : { cacheBytes: config.cacheBytes },
    ...(sink ? { sink } : {}),
    ...(config.behindMs === undefined ? {} : { scheduler: { liveOffsetMs: config.behindMs } }),
    ...(config.latencyMs === undefined ? {} : { scheduler: { targetLatencyMs: config.latencyMs, maxLatencyMs: config.maxLatencyMs } }),
    ...(config.maxChunkSkewMs === undefined ? {} : { maxChunkSkewMs: config.maxChunkSkewMs }),
    ...(config.finishedChunkMs === undefined ? {} : { finishedChunkMs: config.finishedChunkMs }),
    symmetric: config.symmetric,
    ...(localAddress ? { localAddress } : {}),
    ...(webrtc ? { webrtc } : {}),
  });
  lifecycle.add(() => client.close());
  if (http) {
    const reporter = new SwarmReporter({
      snapshot: () => client.snapshot(),
      uploads: () => server.stats(),
      players: () => http.clients,
      started: () => client.info !== undefined,
      now: () => performance.now(),
      wallClock: Date.now,
    });
    every(REPORT_EVERY_MS, lifecycle, () => http.report(reporter.read()));
  }
  const snapshot = () =>
    viewerRecord(relay ? 'relay' : 'viewer', client.stats(), server.stats(), {
      ...(outputs ? { outputDropped: outputs.dropped } : {}),
      ...(http ? { httpClients: http.clients } : {}),
    });
  metrics?.trackViewer(snapshot);
  client.on('skipped', () => {
    sink?.skipped();
    http?.output.skipped();
  });
  client.on('warning', (error) => log.warn(`p2pstream peer: ${userMessage(error)}`));
  client.on('bad-chunk', (peer, seq) => log.info(`p2pstream peer: ${peer} sent a chunk (${seq}) that does not verify; dropped it for good`));
  outputs?.onFailure((error) => {
    log.info(`p2pstream peer: ${error.message}; stopping`);
    void lifecycle.stop(error.exitCode);
  });

  let info;
  try {
    info = await client.start({ signal: lifecycle.signal });
  } catch (error) {
    if (lifecycle.stopping) return;
    if ((error as { code?: string }).code !== WireErrorCode.streamNotFound) throw new UserError(userMessage(error), '', { cause: error });
    const listing = await tracker.list().catch(() => []);
    const table = formatStreams(listing);
    throw new UserError(
      `no stream named ${name} at central ${tracker.central ?? config.centrals.join(', ')}; ${table ? 'on now:' : 'nothing is on right now'}`,
      table,
      { cause: error },
    );
  }
  if (info.live && config.fromMs !== undefined) {
    throw new UsageError(`--from seeks in a finished stream; ${name} is live: it starts --behind TIME behind its newest chunk`);
  }
  if (outputs) outputs.live = info.live;
  if (sink) sink.passThrough = !info.live && !config.fromMs;
  const doing = relay ? 'relaying' : 'watching';
  const unlistened = config.listen ? '' : ' (accepting no connections: --no-listen)';
  log.info(`p2pstream peer ready: ${doing} ${name} on ${server.host}:${server.port}${unlistened}`);
  if (http) {
    log.info(
      `p2pstream peer: watch in a browser at ${http.url} (the swarm panel is beside the video), or play ${http.streamUrl} in VLC or mpv, or HLS at ${http.hlsUrl}`,
    );
  }
  if (player && http) {
    const { child, exited } = startPlayer(player.executable, player.name, http.streamUrl);
    lifecycle.add(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    });
    void exited.then((code) => {
      log.info(`p2pstream peer: ${player.name} exited (${code}); stopping`);
      void lifecycle.stop(code);
    });
  }
  client.on('end', () => {
    const { played, skipped } = client.stats();
    if (relay) {
      log.info(`p2pstream peer: holding the whole of ${name} (${played} chunks); still serving it — Ctrl-C to stop`);
      return;
    }
    if (sink && !sink.started && config.fromMs !== undefined) {
      log.info(
        `p2pstream peer: --from ${formatMediaTime(config.fromMs)} is past the end of ${name}, which is ${formatMediaTime(sink.mediaMs)} long\nRun with --help for usage.`,
      );
      void lifecycle.stop(2);
      return;
    }
    // A live stream ends only on its publisher's signed end: it stopped.
    const why = info.live ? ' (publisher stopped)' : '';
    log.info(`p2pstream peer: ${name} ended${why}: ${played} chunks played, ${skipped} skipped`);
    // The player, or an HLS player that may come back for segments, goes on from what is served.
    if (http && (player || http.output.hls.requested)) {
      http.output.end();
      log.info(`p2pstream peer: still serving ${name} over HTTP${player ? ` until ${player.name} exits` : ''} — Ctrl-C to stop`);
      return;
    }
    void lifecycle.stop(0);
  });

  const silence = new SilenceWatch(config.silenceMs, performance.now());
  if (info.live) {
    every(STATS_EVERY_MS, lifecycle, () => {
      if (lifecycle.stopping || client.stats().ended || !silence.check(client.window?.edge ?? 0, performance.now())) return;
      log.info(`p2pstream peer: no new chunks from anyone for ${Math.round(config.silenceMs / 1000)} s; the publisher may be gone`);
      if (config.exitOnSilence) void lifecycle.stop(SILENCE_EXIT_CODE);
    });
  }

  let last = { down: 0, up: 0 };
  let ticks = 0;
  const pace = new PlayPace();
  every(STATS_EVERY_MS, lifecycle, () => {
    const viewer = snapshot();
    const down = viewer.bytesFromPublisher + viewer.bytesFromPeers;
    stats?.write(viewer);
    const rates = { down: ((down - last.down) * 1000) / STATS_EVERY_MS, up: ((viewer.bytesUploaded - last.up) * 1000) / STATS_EVERY_MS };
    last = { down, up: viewer.bytesUploaded };
    const remaining = viewer.live ? undefined : chunksToPlay(client);
    const etaMs = pace.etaMs(viewer.played, remaining, performance.now());
    if (lifecycle.stopping || (!log.tty && ticks++ % PLAIN_STATUS_EVERY !== 0)) return;
    log.status(
      viewerStatusLine({
        ...viewer,
        name,
        downBytesPerSecond: rates.down,
        upBytesPerSecond: rates.up,
        bytes: down,
        remaining,
        etaMs,
      }),
    );
  });
}

/** Chunks of a finished stream still to play (its length − the playhead), or undefined before play-out has a start point. */
function chunksToPlay(client: PeerClient): number | undefined {
  const { edge, playhead } = client.snapshot({ maxChunks: 1 }).window;
  return playhead === null || edge === 0 ? undefined : Math.max(0, edge - playhead);
}

/** Like the original client: shows what is on and asks which to watch (only on a terminal). */
async function askForName(config: WatchConfig, log: Log, lifecycle: Lifecycle): Promise<{ name: string; tracker: TrackerClient }> {
  const tracker = trackerFor(config, log, lifecycle);
  const table = await streamsTable(tracker, lifecycle);
  if (!process.stdin.isTTY) throw new UsageError(`watch needs a stream name (watch NAME); on now:\n${table || '(nothing)'}`);
  if (!table) throw new UserError('nothing is on right now; publish something first: npx nx run peer:serve -- publish NAME --source FILE|-');
  log.info(table.trimEnd());
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    for (;;) {
      const answer = (await prompt.question('What would you like to watch today? ', { signal: lifecycle.signal })).trim();
      if (NAME_PATTERN.test(answer)) return { name: answer, tracker };
      log.info('that is not a stream name: type one of the names above');
    }
  } finally {
    prompt.close();
  }
}
