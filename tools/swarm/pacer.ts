import type { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { TS_PACKET_BYTES } from '@p2pstream/data';

export interface PaceOptions {
  /** Bytes per second to write. */
  bytesPerSecond: number;
  /**
   * Start again from the beginning when the source runs out.
   * @default true
   */
  loop?: boolean;
  /**
   * How often bytes are written.
   * @default 50
   */
  tickMs?: number;
  /** Stops pacing; the promise then resolves with what was written. */
  signal?: AbortSignal;
  /**
   * Writes `packet()` (one 188-byte packet, e.g. a stamped lag sample) after every
   * `every` packets of the source; it counts towards the rate.
   */
  insert?: { every: number; packet: () => Uint8Array };
}

/**
 * Writes `source` into `sink` at a steady rate, in whole 188-byte packets (so an
 * MPEG-TS source stays packet-aligned across the loop), honouring backpressure.
 * The publisher reading it sees a live source, like `ffmpeg … -f mpegts -`.
 * Resolves with the bytes written when the signal aborts, the source ends (no
 * loop) or the sink closes. Being late (a busy machine) is caught up at once, up to
 * one second's worth, so the long-run rate stays the asked one without big bursts.
 */
export async function paceInto(sink: Writable, source: Uint8Array, options: PaceOptions): Promise<number> {
  const { bytesPerSecond, signal } = options;
  const loop = options.loop ?? true;
  const tickMs = options.tickMs ?? 50;
  const insert = options.insert;
  if (insert && !(Number.isInteger(insert.every) && insert.every >= 1)) throw new RangeError(`insert.every is a whole number of packets from 1, not ${insert.every}`);
  const bytes = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
  if (bytes.length < TS_PACKET_BYTES || (loop && bytes.length % TS_PACKET_BYTES !== 0)) {
    throw new RangeError('a looped source must be whole 188-byte MPEG-TS packets');
  }
  let written = 0;
  let offset = 0;
  let owed = 0;
  /** Source packets written since the last inserted one. */
  let sinceInsert = 0;
  let last = performance.now();
  let sinkClosed = false;
  sink.once('close', () => (sinkClosed = true));
  sink.once('error', () => (sinkClosed = true));
  while (!signal?.aborted && !sinkClosed) {
    const now = performance.now();
    owed = Math.min(owed + ((now - last) / 1000) * bytesPerSecond, bytesPerSecond);
    last = now;
    let packets = Math.floor(owed / TS_PACKET_BYTES);
    while (packets > 0 && !sinkClosed) {
      if (insert && sinceInsert >= insert.every) {
        const extra = insert.packet();
        const ok = sink.write(extra);
        written += extra.length;
        owed -= extra.length;
        packets -= 1;
        sinceInsert = 0;
        if (!ok) await drained(sink, signal);
        continue;
      }
      if (offset >= bytes.length) {
        if (!loop) return written;
        offset = 0;
      }
      const count = insert ? Math.min(packets, insert.every - sinceInsert) : packets;
      const take = Math.min(count * TS_PACKET_BYTES, bytes.length - offset);
      const ok = sink.write(bytes.subarray(offset, offset + take));
      offset += take;
      written += take;
      owed -= take;
      packets -= Math.ceil(take / TS_PACKET_BYTES);
      sinceInsert += Math.ceil(take / TS_PACKET_BYTES);
      if (!ok) await drained(sink, signal);
    }
    if (!loop && offset >= bytes.length) return written;
    await sleep(tickMs, undefined, signal ? { signal } : {}).catch(() => undefined);
  }
  return written;
}

/** Resolves when the sink has room again, closes, or the signal aborts; leaves no listener behind. */
function drained(sink: Writable, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      sink.off('drain', done);
      sink.off('close', done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    sink.on('drain', done);
    sink.on('close', done);
    signal?.addEventListener('abort', done);
  });
}
