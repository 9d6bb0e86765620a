import { describe, expect, it } from 'vitest';
import {
  ChunkWindow,
  endSignedBytes,
  generateStreamKey,
  headSignedBytes,
  newSession,
  signChunk,
  signEnd,
  signHead,
  SignedState,
  signWindow,
  verifyEnd,
  verifyHead,
} from '../src/index.js';

const key = generateStreamKey();
const other = generateStreamKey();
const session = newSession();
const TS = 1_700_000_000_000;

describe('signed heads and ends', () => {
  it('verifies a head and an end only for the key and session that signed them', () => {
    const head = signHead(key, session, 40, TS);
    const end = signEnd(key, session, 41);
    expect(verifyHead(key.streamId, session, head)).toBe(true);
    expect(verifyEnd(key.streamId, session, end)).toBe(true);
    expect(verifyHead(key.streamId, newSession(), head)).toBe(false);
    expect(verifyHead(other.streamId, session, head)).toBe(false);
    expect(verifyHead(key.streamId, session, { ...head, edge: 41 })).toBe(false);
    expect(verifyHead(key.streamId, session, { ...head, ts: TS + 1 })).toBe(false);
    expect(verifyEnd(key.streamId, session, { ...end, edge: 2 ** 53 - 1 })).toBe(false);
    expect(verifyEnd(key.streamId, newSession(), end)).toBe(false);
  });

  it('never takes a head for an end, nor the reverse', () => {
    const head = signHead(key, session, 40, TS);
    const end = signEnd(key, session, 40);
    expect(verifyEnd(key.streamId, session, { edge: 40, sig: head.sig })).toBe(false);
    expect(verifyHead(key.streamId, session, { edge: 40, ts: TS, sig: end.sig })).toBe(false);
  });

  it('refuses malformed heads and ends with false rather than an exception', () => {
    const head = signHead(key, session, 40, TS);
    expect(verifyHead(key.streamId, session, { ...head, edge: -1 })).toBe(false);
    expect(verifyHead(key.streamId, session, { ...head, sig: head.sig.subarray(1) })).toBe(false);
    expect(verifyHead(key.streamId, session.subarray(1), head)).toBe(false);
    expect(verifyEnd(key.streamId, session, { edge: 1.5, sig: head.sig })).toBe(false);
  });

  it('signs exactly the documented bytes', () => {
    const prefix = (domain: string) => Buffer.concat([Buffer.from(`${domain}\0`, 'ascii'), Buffer.from(key.publicKey), Buffer.from(session)]);
    const u64 = (value: number) => Buffer.from(value.toString(16).padStart(16, '0'), 'hex');
    expect(headSignedBytes(key.publicKey, session, 40, TS)).toEqual(Buffer.concat([prefix('p2pstream-head-v1'), u64(40), u64(TS)]));
    expect(endSignedBytes(key.publicKey, session, 41)).toEqual(Buffer.concat([prefix('p2pstream-end-v1'), u64(41)]));
  });
});

describe('SignedState', () => {
  it('keeps the furthest verified head, tells its listeners, and clips claimed edges to it', () => {
    const state = new SignedState(key.streamId, session);
    const heads: number[] = [];
    state.onHead((head) => heads.push(head.edge));
    expect(state.clip(2 ** 53 - 1)).toBe(0);
    expect(state.offerHead(signHead(key, session, 10, TS))).toBe('kept');
    expect(state.offerHead(signHead(key, session, 9, TS + 1))).toBe('stale');
    expect(state.offerHead(signHead(key, session, 10, TS))).toBe('stale');
    expect(state.offerHead(signHead(key, newSession(), 2 ** 40, TS))).toBe('bad');
    expect(state.offerHead({ edge: 2 ** 40, ts: TS, sig: new Uint8Array(64) })).toBe('bad');
    expect(state.clip(2 ** 53 - 1)).toBe(10);
    expect(state.clip(7)).toBe(7);
    expect(heads).toEqual([10]);
  });

  it('ends only on a verified end of its session, once, and clips to it', () => {
    const state = new SignedState(key.streamId, session);
    const ends: number[] = [];
    state.onEnd((end) => ends.push(end.edge));
    expect(state.offerEnd(signEnd(other, session, 3))).toBe('bad');
    expect(state.offerEnd({ edge: 3, sig: new Uint8Array(64) })).toBe('bad');
    expect(state.end).toBeUndefined();
    expect(state.offerEnd(signEnd(key, session, 12))).toBe('kept');
    expect(state.offerEnd(signEnd(key, session, 13))).toBe('stale');
    expect(state.clip(100)).toBe(12);
    expect(ends).toEqual([12]);
  });
});

describe('signWindow', () => {
  it('signs a head as each chunk is added, before later listeners hear of the chunk, and the end when the window finishes', () => {
    const window = new ChunkWindow({ live: true });
    const state = signWindow(key, session, window, { wallClock: () => TS });
    const seen: string[] = [];
    window.onChunk((chunk) => seen.push(`chunk ${chunk.seq}, head ${state.head?.edge}`));
    for (let seq = 0; seq < 3; seq++) window.add(signChunk(key, session, { seq, ts: TS, data: Buffer.of(seq) }));
    expect(seen).toEqual(['chunk 0, head 1', 'chunk 1, head 2', 'chunk 2, head 3']);
    expect(state.end).toBeUndefined();
    window.finish();
    expect(state.end?.edge).toBe(3);
    expect(verifyEnd(key.streamId, session, state.end!)).toBe(true);
  });
});
