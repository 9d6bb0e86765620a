import { open } from 'node:fs/promises';
import { FileData, TS_PACKET_BYTES, TS_SYNC_BYTE, type ChunkerOptions } from '@p2pstream/data';
import type { PublishConfig } from './cli.js';
import { LoopTimestamps } from './loop-timestamps.js';
import { UsageError, UserError } from './usage-error.js';

/** Bytes looked at to tell MPEG-TS from anything else: three packets and a bit. */
const SNIFF_BYTES = 3 * TS_PACKET_BYTES + TS_PACKET_BYTES;

export interface OpenedSource {
  bytes: AsyncIterable<Uint8Array>;
  /** Cut and served as it comes (stdin, --realtime, --loop), as opposed to a finished file. */
  live: boolean;
  /**
   * How the Chunker should cut it: MPEG-TS aligned when it looks like MPEG-TS.
   * For stdin, decided from its first bytes, which are read only once the
   * stream is published (whoever feeds stdin may wait for the ready line).
   */
  chunker: ChunkerOptions | ((firstBytes: Uint8Array) => ChunkerOptions);
}

/** Whether `bytes` start (within one packet) with MPEG-TS packets. */
export function looksLikeMpegts(bytes: Uint8Array): boolean {
  const needed = Math.min(3, Math.floor(bytes.length / TS_PACKET_BYTES));
  if (needed === 0) return false;
  for (let start = 0; start < TS_PACKET_BYTES && start + (needed - 1) * TS_PACKET_BYTES < bytes.length; start++) {
    let found = true;
    for (let k = 0; k < needed && found; k++) found = bytes[start + k * TS_PACKET_BYTES] === TS_SYNC_BYTE;
    if (found) return true;
  }
  return false;
}

/** The publish command's source: stdin or a file, how to cut it, and whether it is live. */
export async function openSource(config: PublishConfig, stdin: AsyncIterable<Uint8Array> = process.stdin): Promise<OpenedSource> {
  if (config.source === '-') return { bytes: stdin, live: true, chunker: (head) => ({ mpegts: looksLikeMpegts(head) }) };
  const head = await readHead(config.source);
  const mpegts = looksLikeMpegts(head);
  const live = config.realtime;
  if (live && !mpegts && config.bitrate === undefined) {
    throw new UsageError(`${config.source} is not MPEG-TS, so --realtime cannot pace it by its timestamps: give its rate with --bitrate (e.g. 2mbit)`);
  }
  const chunker: ChunkerOptions = live
    ? { mpegts, realtime: true, ...(config.bitrate === undefined ? {} : { bitrate: config.bitrate }) }
    : { mpegts };
  const file = new FileData(config.source);
  const bytes = !config.loop ? file.read() : mpegts ? repeatMpegts(file) : repeat(file);
  return { bytes, live, chunker };
}

async function readHead(path: string): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(path, 'r');
    const stat = await handle.stat();
    if (!stat.isFile()) throw new UserError(`--source ${path} is not a file`);
    if (stat.size === 0) throw new UserError(`--source ${path} is empty`);
    const head = Buffer.alloc(Math.min(SNIFF_BYTES, stat.size));
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
