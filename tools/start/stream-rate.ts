import { open } from 'node:fs/promises';
import { DEFAULT_MAX_PCR_GAP_MS, PCR_TICKS_PER_MS, PCR_WRAP_TICKS, readPcr, TS_PACKET_BYTES, TS_SYNC_BYTE } from '@p2pstream/data';
import { RATE_SCAN_BYTES } from './constants.js';
import { UsageError } from './errors.js';

/**
 * An MPEG-TS file's rate in bytes per second, from the clock references (PCR) of its
 * first `scanBytes`: the bytes between the first and the last PCR of one PID over the
 * media time between them. Steps backwards or longer than a second (a splice) add no
 * time. A publisher playing the file `--realtime` sends it at this rate.
 */
export async function mpegTsBytesPerSecond(file: string, scanBytes = RATE_SCAN_BYTES): Promise<number> {
  const handle = await open(file, 'r');
  let bytes: Buffer;
  try {
    const buffer = Buffer.alloc(scanBytes);
    const { bytesRead } = await handle.read(buffer, 0, scanBytes, 0);
    bytes = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (bytes[0] !== TS_SYNC_BYTE) throw new UsageError(`${file} is not MPEG-TS (no sync byte at its start)`);

  let pid = -1;
  let firstOffset = -1;
  let lastOffset = -1;
  let lastTicks = 0;
  let mediaTicks = 0;
  for (let offset = 0; offset + TS_PACKET_BYTES <= bytes.length; offset += TS_PACKET_BYTES) {
    const pcr = readPcr(bytes, offset);
    if (pcr === undefined || (pid !== -1 && pcr.pid !== pid)) continue;
    if (pid === -1) {
      pid = pcr.pid;
      firstOffset = offset;
    } else {
      const step = (pcr.ticks - lastTicks + PCR_WRAP_TICKS) % PCR_WRAP_TICKS;
      if (!pcr.discontinuity && step <= DEFAULT_MAX_PCR_GAP_MS * PCR_TICKS_PER_MS) mediaTicks += step;
    }
    lastOffset = offset;
    lastTicks = pcr.ticks;
  }
  if (mediaTicks === 0) throw new UsageError(`${file} carries no MPEG-TS clock to learn its rate from; give --publisher-limit as a rate, e.g. 6mbit`);
  return (lastOffset - firstOffset) / (mediaTicks / PCR_TICKS_PER_MS / 1000);
}
