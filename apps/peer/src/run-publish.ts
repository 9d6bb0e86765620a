import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { loadOrCreateStreamKey } from '@p2pstream/data';
import { Publisher } from '@p2pstream/peer-server';
import type { PublishConfig } from './cli.js';
import { defaultKeyPath } from './key-path.js';
import type { Lifecycle } from './lifecycle.js';
import type { Log } from './log.js';
import { centralFlags, every, startPeerNode } from './peer-node.js';
import { openSource } from './source.js';
import { publisherRecord } from './stats-file.js';
import { formatRate } from './units.js';
import { userMessage } from './user-errors.js';
import { UserError } from './usage-error.js';

const STATUS_EVERY_MS = 1_000;
const PLAIN_STATUS_EVERY = 10;

/** `publish NAME --source FILE|-`: runs until stopped; rejects with what the user must know. */
export async function runPublish(config: PublishConfig, log: Log, lifecycle: Lifecycle): Promise<void> {
  const keyPath = config.key ?? defaultKeyPath(config.name);
  // The default key directory is this program's to make; one given with --key must exist.
  if (config.key === undefined) await mkdir(dirname(keyPath), { recursive: true, mode: 0o700 });
  const key = await loadOrCreateStreamKey(keyPath).catch((error: unknown) => {
    throw new UserError(`cannot use the key file ${keyPath}: ${userMessage(error)}`, '', { cause: error });
  });
  const source = await openSource(config);
  const { tracker, server, stats, metrics } = await startPeerNode(config, log, lifecycle);
  const publisher = new Publisher({ name: config.name, key, source: source.bytes, live: source.live, server, tracker, chunker: source.chunker });
  publisher.on('warning', (error) => log.warn(`p2pstream peer: central: ${userMessage(error)}`));
  publisher.on('published', () => {
    const kind = source.live ? 'live' : 'finished';
    log.info(
      `p2pstream peer ready: publishing ${config.name} on ${server.host}:${server.port} — watch it with: ` +
        `npx nx run peer:serve -- watch ${config.name}${centralFlags(config.centrals)} --http 8080, then open ` +
        `http://127.0.0.1:8080/stream.ts in mpv or VLC`,
    );
    log.info(`p2pstream peer: ${config.name} is ${kind} (stream ${publisher.streamId.slice(0, 16)}…, key ${keyPath})`);
  });
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
    await publisher.run({ signal: lifecycle.signal });
  } catch (error) {
    if (lifecycle.stopping) return;
    throw new UserError(userMessage(error, { name: config.name }), '', { cause: error });
  }
  if (source.live && !lifecycle.stopping) {
    log.info(`p2pstream peer: the source of ${config.name} ended after ${publisher.stats().chunks} chunks; still serving it — Ctrl-C to stop`);
  }
}
