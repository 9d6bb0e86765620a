import { TS_PACKET_BYTES } from '../src/index.js';
import { pseudoRandomBytes } from './helpers.js';

export const PCR_PID = 0x100;

/** One MPEG-TS packet on `pid`; with `pcrTicks`, an adaptation field carrying that PCR (27 MHz). */
export function tsPacket(pid: number, options: { pcrTicks?: number; discontinuity?: boolean; fill?: number } = {}): Buffer {
  const packet = pseudoRandomBytes(TS_PACKET_BYTES, (options.fill ?? pid) + 1);
  packet[0] = 0x47;
  packet[1] = (pid >> 8) & 0x1f;
  packet[2] = pid & 0xff;
  if (options.pcrTicks === undefined) {
    packet[3] = 0x10; // payload only
    return packet;
  }
  packet[3] = 0x30; // adaptation field and payload
  packet[4] = 7;
  packet[5] = 0x10 | (options.discontinuity ? 0x80 : 0);
  const base = Math.floor(options.pcrTicks / 300);
  const extension = options.pcrTicks % 300;
  packet[6] = Math.floor(base / 2 ** 25) & 0xff;
  packet[7] = Math.floor(base / 2 ** 17) & 0xff;
  packet[8] = Math.floor(base / 2 ** 9) & 0xff;
  packet[9] = Math.floor(base / 2) & 0xff;
  packet[10] = ((base & 1) << 7) | 0x7e | ((extension >> 8) & 1);
  packet[11] = extension & 0xff;
  return packet;
}

/** `count` packets; every `pcrEvery`-th on the PCR PID carries a PCR advancing `pcrStepMs` each time. */
export function tsStream(count: number, pcrEvery = 0, pcrStepMs = 40, startTicks = 0): Buffer {
  const packets: Buffer[] = [];
  let ticks = startTicks;
  for (let i = 0; i < count; i++) {
    if (pcrEvery > 0 && i % pcrEvery === 0) {
      packets.push(tsPacket(PCR_PID, { pcrTicks: ticks, fill: i }));
      ticks += pcrStepMs * 27_000;
    } else {
      packets.push(tsPacket(0x101, { fill: i }));
    }
  }
  return Buffer.concat(packets);
}
