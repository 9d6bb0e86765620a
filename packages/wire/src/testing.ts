/**
 * Test material for anything that speaks this protocol: one valid message of
 * every type, and a seeded mutator that damages frames for fuzzing.
 * Exported as `@p2pstream/wire/testing`; not needed at run time.
 */
import type { MessageTypeName } from './constants.js';
import type { Message } from './messages.js';

const key = Buffer.alloc(32, 7);
const sig = Buffer.alloc(64, 9);
const streamId = 'ab'.repeat(32);
const session = Buffer.alloc(8, 5);

/** One valid message of every type, with optional fields present where there are any. */
export const SAMPLES: { [T in MessageTypeName]: Extract<Message, { t: T }> } = {
  hello: { t: 'hello', v: 2, role: 'peer' },
  error: { t: 'error', code: 'NAME_TAKEN', message: 'cam1 is published under another key', re: 4 },
  publish: { t: 'publish', id: 1, name: 'cam1', key, ts: 1_764_000_000_123, live: true, session, sig, pages: true },
  published: { t: 'published', re: 1, stream: streamId, watch: 'http://192.168.1.20:8045/watch/cam1' },
  announce: { t: 'announce', id: 2, stream: streamId, port: 2050, edge: 120, live: true },
  announced: { t: 'announced', re: 2, interval: 15_000, ttl: 40_000 },
  lookup: { t: 'lookup', id: 3, name: 'cam1', count: 20 },
  peers: {
    t: 'peers',
    re: 3,
    name: 'cam1',
    stream: streamId,
    live: true,
    edge: 120,
    session,
    peers: [
      { host: '127.0.0.2', port: 2050, edge: 120 },
      { host: '::1', port: 2051, edge: 118 },
    ],
  },
  list: { t: 'list', id: 4 },
  streams: {
    t: 'streams',
    re: 4,
    streams: [{ name: 'cam1', stream: streamId, live: true, peers: 12, edge: 120 }],
  },
  leave: { t: 'leave', id: 5, stream: streamId },
  ok: { t: 'ok', re: 5 },
  signal: { t: 'signal', id: 9, stream: streamId, host: '127.0.0.3', port: 2050, data: Buffer.from('{"type":"offer","sdp":"v=0"}') },
  signaled: { t: 'signaled', stream: streamId, host: '127.0.0.2', port: 2051, data: Buffer.from('{"type":"answer","sdp":"v=0"}') },
  report: { t: 'report', id: 10, stream: streamId, played: 118, skipped: 2, lag: 3_250, fromPeers: 6_000_000, fromPublisher: 1_500_000, uploaded: 4_000_000 },
  join: { t: 'join', id: 6, stream: streamId },
  map: { t: 'map', re: 6, stream: streamId, base: 60, bits: Buffer.from([0xff, 0x0f]), edge: 120, live: true, session, source: false },
  have: { t: 'have', seq: 121 },
  head: { t: 'head', stream: streamId, edge: 121, ts: 1_764_000_050_500, sig },
  end: { t: 'end', stream: streamId, edge: 500, sig },
  request: { t: 'request', id: 7, seq: 100 },
  chunk: { t: 'chunk', re: 7, seq: 100, ts: 1_764_000_050_000, sig, data: Buffer.alloc(64 * 1024, 0x47) },
  reject: { t: 'reject', re: 8, seq: 30, reason: 'OUTSIDE_WINDOW' },
  cancel: { t: 'cancel', seq: 100 },
};

export const ALL_SAMPLES: Message[] = Object.values(SAMPLES);

/** Deterministic PRNG (mulberry32), so a failing fuzz case can be replayed from its seed; its home is @p2pstream/units. */
export { seededRandom } from '@p2pstream/units';

/**
 * A damaged copy of a valid frame: bit flips, truncation, a splice with another
 * frame, random bytes overwritten or inserted, or the length prefix rewritten.
 */
export function mutateFrame(frames: readonly Uint8Array[], random: () => number): Uint8Array {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const out = Buffer.from(pick(frames));
  const kind = Math.floor(random() * 6);
  if (kind === 0) {
    const flips = 1 + Math.floor(random() * 8);
    for (let i = 0; i < flips; i++) out[Math.floor(random() * out.length)]! ^= 1 << Math.floor(random() * 8);
    return out;
  }
  if (kind === 1) return out.subarray(0, Math.floor(random() * out.length));
  if (kind === 2) {
    const other = pick(frames);
    const cut = Math.floor(random() * out.length);
    return Buffer.concat([out.subarray(0, cut), other.subarray(Math.floor(random() * other.length))]);
  }
  if (kind === 3) {
    const count = 1 + Math.floor(random() * 16);
    for (let i = 0; i < count; i++) out[Math.floor(random() * out.length)] = Math.floor(random() * 256);
    return out;
  }
  if (kind === 4) {
    const at = 4 + Math.floor(random() * (out.length - 4));
    const inserted = Buffer.from(Array.from({ length: 1 + Math.floor(random() * 8) }, () => Math.floor(random() * 256)));
    return Buffer.concat([out.subarray(0, at), inserted, out.subarray(at)]);
  }
  out.writeUInt32BE(Math.floor(random() * 2 ** 32), 0);
  return out;
}
