import { open } from 'node:fs/promises';
import { FileData, LoopTimestamps, looksLikeMpegTs, TS_SNIFF_BYTES, type ChunkerOptions } from '@p2pstream/data';
import type { PublishConfig } from './cli.js';
import { NotMpegTsError, SourceEmptyError } from './source-errors.js';
import { UsageError } from '@p2pstream/units';
import { UserError } from './usage-error.js';

export interface OpenedSource {
  bytes: AsyncIterable<Uint8Array>;
  /** Cut and served as it comes (stdin, --realtime, --loop), as opposed to a finished file. */
  live: boolean;
  /**
   * How the Chunker should cut it: on MPEG-TS packets, unless `--format raw`.
   * For stdin, decided from its first bytes, which are read only once the
   * stream is published (whoever feeds stdin may wait for the ready line);
   * the decision throws NotMpegTsError or SourceEmptyError to refuse them.
   */
  chunker: ChunkerOptions | ((firstBytes: Uint8Array) => ChunkerOptions);
}

/** The publish command's source: stdin or a file, how to cut it, and whether it is live. */
export async function openSource(config: PublishConfig, stdin: AsyncIterable<Uint8Array> = process.stdin): Promise<OpenedSource> {
  const raw = config.format === 'raw';
  if (config.source === '-') return { bytes: stdin, live: true, chunker: (head) => stdinChunker(head, raw) };
  const head = await readHead(config.source);
  // --format raw takes the bytes as they are: not checked, and not cut on packets even when they look like MPEG-TS.
  const mpegts = !raw;
  if (mpegts && !looksLikeMpegTs(head)) throw new NotMpegTsError(config.source);
  const live = config.realtime;
  if (live && !mpegts && config.bitrate === undefined) {
    throw new UsageError(`--format raw data has no timestamps, so --realtime cannot pace ${config.source} by them: give its rate with --bitrate (e.g. 2mbit)`);
  }
  const chunker: ChunkerOptions = live
    ? { mpegts, realtime: true, ...(config.bitrate === undefined ? {} : { bitrate: config.bitrate }) }
    : { mpegts, ...(config.chunkBytes === undefined ? {} : { chunkBytes: config.chunkBytes }) };
  const file = new FileData(config.source);
  // Read into one buffer: the publisher's chunker copies every piece into the chunk it cuts.
  const bytes = !config.loop ? file.read({ reuseBuffer: true }) : mpegts ? repeatMpegts(file) : repeat(file);
  return { bytes, live, chunker };
}

/**
 * How stdin is cut, decided from its first bytes (read once the stream is
 * published): nothing at all, or MPEG-TS that is not (without --format raw),
 * is refused, and the publisher stops with the error.
 */
function stdinChunker(head: Uint8Array, raw: boolean): ChunkerOptions {
  if (head.length === 0) throw new SourceEmptyError('-');
  if (raw) return { mpegts: false };
  if (!looksLikeMpegTs(head)) throw new NotMpegTsError('-');
  return { mpegts: true };
}

async function readHead(path: string): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(path, 'r');
    const stat = await handle.stat();
    if (!stat.isFile()) throw new UserError(`--source ${path} is not a file`);
    if (stat.size === 0) throw new SourceEmptyError(path);
    const head = Buffer.alloc(Math.min(TS_SNIFF_BYTES, stat.size));
    await handle.read(head, 0, head.length, 0);
    return head;
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`cannot read --source ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, '', { cause: error });
  } finally {
    await handle?.close();
  }
}

async function* repeat(file: FileData): AsyncGenerator<Uint8Array> {
  for (;;) yield* file.read();
}

/** Plays an MPEG-TS file again and again as one stream whose clock keeps going forward: players need not start again at each loop. */
async function* repeatMpegts(file: FileData): AsyncGenerator<Uint8Array> {
  const timestamps = new LoopTimestamps();
  for (;;) {
    for await (const piece of file.read()) {
      const packets = timestamps.push(piece);
      if (packets.length > 0) yield packets;
    }
    const rest = timestamps.endLoop();
    if (rest.length > 0) yield rest;
  }
}
