import { Publisher } from '@p2pstream/peer-server';
import type { PublishConfig } from './cli.js';
import { defaultKeyPath } from './key-path.js';
import type { Lifecycle } from './lifecycle.js';
import type { Log } from './log.js';
import { centralFlags, every, startPeerNode } from './peer-node.js';
import { answerOffers, loadWebRTC } from './webrtc.js';
import { openPublishKey } from './publish-key.js';
import { hostPort, shareCentrals, shareHost, shareUrl } from './share-address.js';
import { openSource } from './source.js';
import { publisherRecord } from './stats-file.js';
import { formatRate } from '@p2pstream/units';
import { userMessage } from './user-errors.js';
import { UserError } from './usage-error.js';

const STATUS_EVERY_MS = 1_000;
const PLAIN_STATUS_EVERY = 10;

/** `publish NAME --source FILE|-`: runs until stopped; rejects with what the user must know. */
export async function runPublish(config: PublishConfig, log: Log, lifecycle: Lifecycle): Promise<void> {
  // The default key directory is this program's to make; one given with --key must exist.
  const key = await openPublishKey(config.key ?? defaultKeyPath(config.name), config.key === undefined);
  const source = await openSource(config);
  const webrtc = config.webrtc ? await loadWebRTC(config.webrtc) : undefined;
  // A publisher fetches nothing: its connections refuse chunks, as before symmetric connections.
  const { tracker, server, stats, metrics } = await startPeerNode({ ...config, addressLimits: { ...config.addressLimits, maxChunkBytes: 0 } }, log, lifecycle);
  if (webrtc) answerOffers(webrtc, tracker, server, log, lifecycle);
  const publisher = new Publisher({
    name: config.name,
    key: key.key,
    source: source.bytes,
    live: source.live,
    server,
    tracker,
    // Pages reach only peers that take WebRTC: only then is central's watch page worth printing.
    ...(webrtc ? { signals: true, askWatchPage: true } : {}),
    chunker: source.chunker,
    // A finished file is served from itself: memory holds a read cache, not the stream.
    ...(source.live ? {} : { sourceFile: config.source }),
    ...(config.cacheBytes === undefined ? {} : { cacheBytes: config.cacheBytes }),
  });
  publisher.on('warning', (error) => log.warn(`p2pstream peer: central: ${userMessage(error, { name: config.name })}`));
  // Central has bound the name to the key: only now is a new key worth keeping (and then it must be kept).
  let saving: Promise<void> | undefined;
  const keySaved = new Promise<void>((resolve, reject) => {
    publisher.once('published', () => {
      saving = key.save();
      saving.then(resolve, reject);
    });
  });
  // Stopping waits for the key file to be written whole.
  lifecycle.add(() => saving?.catch(() => undefined));
  void keySaved.then(() => {
    if (lifecycle.stopping) return;
    const host = shareHost(server.host);
    const watchPage = tracker.watchPage(publisher.streamId);
    log.info(
      `p2pstream peer ready: publishing ${config.name} on ${hostPort(host, server.port)} — ` +
        (watchPage ? `open ${shareUrl(watchPage, host)} in a browser, or ` : '') +
        `watch it with: npx nx run peer:serve -- watch ${config.name}${centralFlags(shareCentrals(config.centrals, host))} --http 8080, then open ` +
        `http://127.0.0.1:8080/stream.ts in mpv or VLC`,
    );
    log.info(`p2pstream peer: ${config.name} is ${source.live ? 'live' : 'finished'} (stream ${publisher.streamId.slice(0, 16)}…, key ${key.path})`);
  }, () => undefined);
  lifecycle.add(() => publisher.close());

  const snapshot = () => publisherRecord(config.name, publisher.streamId, publisher.stats(), server.stats());
  metrics?.trackPublisher(snapshot);
  let lastUploaded = 0;
  let ticks = 0;
  every(STATUS_EVERY_MS, lifecycle, () => {
    const record = snapshot();
    stats?.write(record);
    const rate = ((record.bytesUploaded - lastUploaded) * 1000) / STATUS_EVERY_MS;
    lastUploaded = record.bytesUploaded;
    if (lifecycle.stopping || (!log.tty && ticks++ % PLAIN_STATUS_EVERY !== 0)) return;
    log.status(`${config.name} · ${record.live ? 'live' : 'finished'} · ${record.chunks} chunks · ${record.peers} peers · ↑ ${formatRate(rate)}`);
  });

  try {
    // Both: a key that cannot be saved stops a live publish at once, not when its source ends.
    await Promise.all([publisher.run({ signal: lifecycle.signal }), keySaved]);
  } catch (error) {
    if (lifecycle.stopping) return;
    // A refused source (not MPEG-TS, nothing at all) comes wrapped as the publisher's SOURCE_FAILED.
    const refused = userErrorIn(error);
    throw refused ?? new UserError(userMessage(error, { name: config.name }), '', { cause: error });
  }
  if (source.live && !lifecycle.stopping) {
    log.info(`p2pstream peer: the source of ${config.name} ended after ${publisher.stats().chunks} chunks; still serving it — Ctrl-C to stop`);
  }
}

/** The UserError that `error` is or was caused by, if any. */
function userErrorIn(error: unknown): UserError | undefined {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 4; cause = cause.cause, depth++) {
    if (cause instanceof UserError) return cause;
  }
  return undefined;
}
