import { open } from 'node:fs/promises';
import { DEFAULT_MAX_PCR_GAP_MS, PcrClock, TS_PACKET_BYTES, TS_SYNC_BYTE } from '@p2pstream/data';
import { RATE_SCAN_BYTES } from './constants.js';
import { UsageError } from '@p2pstream/units';

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

  const clock = new PcrClock(DEFAULT_MAX_PCR_GAP_MS);
  let firstOffset = -1;
  let lastOffset = -1;
  for (let offset = 0; offset + TS_PACKET_BYTES <= bytes.length; offset += TS_PACKET_BYTES) {
    if (!clock.observe(bytes, offset)) continue;
    if (firstOffset === -1) firstOffset = offset;
    lastOffset = offset;
  }
  if (clock.mediaMs === 0) throw new UsageError(`${file} carries no MPEG-TS clock to learn its rate from; give --publisher-limit as a rate, e.g. 6mbit`);
  return (lastOffset - firstOffset) / (clock.mediaMs / 1000);
}
