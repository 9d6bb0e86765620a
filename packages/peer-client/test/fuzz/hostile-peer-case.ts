import { randomBytes } from 'node:crypto';
import { ConnectionServer, type Connection } from '@p2pstream/connection';
import { MemoryNetwork } from '@p2pstream/connection/testing';
import { ManualClock } from '@p2pstream/units';
import { generateStreamKey, newSession, signEnd, signHead, type Chunk } from '@p2pstream/data';
import type { Message, RejectReason } from '@p2pstream/wire';
import fc from 'fast-check';
import { PeerClient } from '../../src/index.js';
import { CollectingSink, makeChunks, SESSION } from '../helpers.js';
import { MemoryCentral } from '../memory-central.js';

/**
 * One hostile peer against the peer client's state machine, on a memory network
 * and a fake clock: the only peer central lists, it answers `join` with any map
 * and then pushes any `have`, `head` and `end` (signed or not, of this session or
 * another), and answers each chunk request with a good chunk, a corrupt one, the
 * wrong seq, a `reject` or nothing — in any order. What must hold whatever it does:
 * the client throws nothing, plays only real chunks of the stream in order, and
 * ends only on an end the publisher signed.
 */

/** Real chunks of the stream the hostile peer may hand out. */
const CHUNKS = 8;
/** Fake-clock steps per case, 100 ms each. */
const STEPS = 60;

/** How a pushed head or end is signed: by the stream key in this session, not at all, or in another session. */
export type Signed = 'good' | 'forged' | 'other-session';
export type Push = { t: 'have'; seq: number } | { t: 'head'; edge: number; signed: Signed } | { t: 'end'; edge: number; signed: Signed };
export type Answer = 'good' | 'corrupt' | 'wrong-seq' | 'silent' | RejectReason;
export interface HostileScript {
  map: { base: number; bits: Uint8Array; edge: number; live: boolean; otherSession: boolean };
  pushes: Push[];
  answers: Answer[];
}

const seqArb = fc.oneof(fc.nat(CHUNKS + 4), fc.constant(Number.MAX_SAFE_INTEGER), fc.nat());
const signedArb = fc.constantFrom('good' as const, 'forged' as const, 'other-session' as const);

export const hostileScript: fc.Arbitrary<HostileScript> = fc.record({
  map: fc.record({
    base: fc.oneof(fc.constant(0), fc.nat(CHUNKS), fc.nat()),
    bits: fc.uint8Array({ maxLength: 4 }),
    edge: seqArb,
    live: fc.boolean(),
    otherSession: fc.boolean(),
  }),
  pushes: fc.array(
    fc.oneof(
      fc.record({ t: fc.constant('have' as const), seq: seqArb }),
      fc.record({ t: fc.constant('head' as const), edge: seqArb, signed: signedArb }),
      fc.record({ t: fc.constant('end' as const), edge: seqArb, signed: signedArb }),
    ),
    { maxLength: 24 },
  ),
  answers: fc.array(fc.constantFrom<Answer>('good', 'corrupt', 'wrong-seq', 'silent', 'NOT_HELD', 'OUTSIDE_WINDOW', 'BUSY', 'UNKNOWN_STREAM'), {
    maxLength: 24,
  }),
});

/** Runs one script; rejects with what broke when a property does not hold. */
export async function runHostileCase(script: HostileScript): Promise<void> {
  const closers: Array<() => unknown> = [];
  const clock = new ManualClock();
  try {
    const central = new MemoryCentral(clock, (close) => void closers.push(close));
    const network = new MemoryNetwork({ clock });
    const key = generateStreamKey();
    const chunks = makeChunks(key, CHUNKS, 200);
    const signedHead = (edge: number, how: Signed): { edge: number; ts: number; sig: Uint8Array } => {
      if (how === 'forged') return { edge, ts: clock.now(), sig: randomBytes(64) };
      return signHead(key, how === 'good' ? SESSION : newSession(), edge, Date.now());
    };
    const pushOf = (push: Push): Message => {
      if (push.t === 'have') return push;
      if (push.t === 'head') return { t: 'head', stream: key.streamId, ...signedHead(push.edge, push.signed) };
      const end = push.signed === 'forged' ? { edge: push.edge, sig: randomBytes(64) } : signEnd(key, push.signed === 'good' ? SESSION : newSession(), push.edge);
      return { t: 'end', stream: key.streamId, ...end };
    };
    const answers = [...script.answers];
    const server = new ConnectionServer({
      role: 'peer',
      clock,
      handlers: {
        join: (message, connection: Connection) => {
          const { otherSession, ...map } = script.map;
          connection.reply(message, { t: 'map', stream: key.streamId, ...map, session: otherSession ? newSession() : SESSION, source: true });
          for (const push of script.pushes) connection.send(pushOf(push));
        },
        request: (message, connection: Connection) => {
          const answer = answers.shift() ?? 'good';
          const chunk: Chunk | undefined = chunks[message.seq];
          if (answer === 'silent') return;
          if (answer !== 'good' && answer !== 'corrupt' && answer !== 'wrong-seq') {
            connection.reply(message, { t: 'reject', seq: message.seq, reason: answer });
          } else if (!chunk) {
            connection.reply(message, { t: 'reject', seq: message.seq, reason: 'NOT_HELD' });
          } else {
            const data = answer === 'corrupt' ? Buffer.from(chunk.data).fill(0x47, 0, 1) : chunk.data;
            const seq = answer === 'wrong-seq' ? message.seq + 1 : message.seq;
            connection.reply(message, { t: 'chunk', seq, ts: chunk.ts, sig: chunk.sig, data });
          }
        },
        cancel: () => undefined,
      },
    });
    closers.push(network.listen('127.0.0.1', 2050, server), () => server.close());
    await central.publish('127.0.0.1', 2050, 'fuzz', key, true);

    const sink = new CollectingSink();
    const client = new PeerClient({ name: 'fuzz', tracker: central.client('127.0.0.3'), dial: network.dial, localAddress: '127.0.0.3', clock, sink, chunkMs: 100 });
    let ended = false;
    client.on('end', () => (ended = true));
    client.on('warning', () => undefined);
    closers.push(async () => {
      const closing = client.close();
      await clock.run(3_000);
      await closing;
    });
    const starting = client.start();
    await clock.run(0);
    await starting;
    for (let step = 0; step < STEPS; step++) await clock.run(100);

    // Only real chunks, in order: each piece written is the data of a chunk later than the one before.
    let last = -1;
    for (const piece of sink.pieces) {
      const seq = chunks.findIndex((chunk, i) => i > last && Buffer.from(chunk.data).equals(piece));
      if (seq < 0) throw new Error(`played bytes that are no chunk of the stream after chunk ${last}`);
      last = seq;
    }
    const signedEnd = script.pushes.some((push) => push.t === 'end' && push.signed === 'good');
    if (ended && !signedEnd) throw new Error('the client ended without an end the publisher signed');
  } finally {
    for (const close of closers.reverse()) await close();
  }
}
