import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  chunkSignedBytes,
  generateStreamKey,
  newSession,
  publicKeyOf,
  signChunk,
  signPublish,
  streamIdOf,
  verifierFor,
  verifyChunk,
  verifyPublish,
  type Chunk,
} from '../src/index.js';
import { STREAM_ID_PATTERN } from '../src/constants.js';
import { pseudoRandomBytes } from './helpers.js';

const key = generateStreamKey();
const other = generateStreamKey();
const TS = 1_700_000_000_123;
const SESSION = newSession();
const OTHER_SESSION = newSession();

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = new Uint8Array(bytes);
  copy[bit >> 3]! ^= 1 << (bit & 7);
  return copy;
}

describe('stream identity', () => {
  it('gives a stream id that is the raw public key as 64 lowercase hex characters', () => {
    expect(key.publicKey).toHaveLength(32);
    expect(key.streamId).toMatch(STREAM_ID_PATTERN);
    expect(key.streamId).toBe(Buffer.from(key.publicKey).toString('hex'));
    expect(streamIdOf(key.publicKey)).toBe(key.streamId);
    expect(Buffer.from(publicKeyOf(key.streamId))).toEqual(Buffer.from(key.publicKey));
  });

  it('refuses a stream id that is not 64 lowercase hex characters', () => {
    for (const bad of ['', 'ab', key.streamId.toUpperCase(), `${key.streamId}0`, 'g'.repeat(64)]) {
      expect(() => publicKeyOf(bad)).toThrow(expect.objectContaining({ code: 'INVALID_STREAM_ID' }));
      expect(() => verifierFor(bad)).toThrow(expect.objectContaining({ code: 'INVALID_STREAM_ID' }));
    }
    expect(() => streamIdOf(new Uint8Array(31))).toThrow(expect.objectContaining({ code: 'INVALID_PUBLIC_KEY' }));
  });

  it('imports a stream key once and hands back the same verifier', () => {
    const verifier = verifierFor(key.streamId);
    expect(verifierFor(key.streamId)).toBe(verifier);
    expect(verifierFor(key.publicKey)).toBe(verifier);
    expect(verifier.keyObject.asymmetricKeyType).toBe('ed25519');
  });

  it('shows only the stream id when a key is printed, inspected or turned into JSON', () => {
    const pem = key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const secretBase64 = pem.split('\n').slice(1, -2).join('');
    const secretRaw = Buffer.from(key.privateKey.export({ format: 'jwk' }).d as string, 'base64url');
    for (const shown of [String(key), inspect(key), inspect({ key }, { depth: 5 }), JSON.stringify({ key })]) {
      expect(shown).toContain(key.streamId);
      expect(shown).not.toContain(secretBase64);
      expect(shown).not.toContain(secretRaw.toString('hex'));
      expect(shown).not.toContain(secretRaw.toString('base64url'));
    }
  });
});

describe('chunk signatures', () => {
  const data = pseudoRandomBytes(64);
  const chunk = signChunk(key, SESSION, { seq: 7, ts: TS, data });

  it('verifies a chunk signed by the stream key, by verifier or by stream id', () => {
    expect(chunk.sig).toHaveLength(64);
    expect(verifyChunk(verifierFor(key.streamId), SESSION, chunk)).toBe(true);
    expect(verifyChunk(key.streamId, SESSION, chunk)).toBe(true);
  });

  it('verifies a 64 KiB chunk and refuses it after a flipped bit in its middle or last byte', () => {
    const big = signChunk(key, SESSION, { seq: 1, ts: TS, data: pseudoRandomBytes(64 * 1024, 5) });
    expect(verifyChunk(key.streamId, SESSION, big)).toBe(true);
    for (const bit of [0, 32 * 1024 * 8 + 3, 64 * 1024 * 8 - 1]) {
      expect(verifyChunk(key.streamId, SESSION, { ...big, data: flipBit(big.data, bit) })).toBe(false);
    }
  });

  it('refuses the chunk when any single bit of its data is flipped', () => {
    for (let bit = 0; bit < data.length * 8; bit++) {
      expect(verifyChunk(key.streamId, SESSION, { ...chunk, data: flipBit(data, bit) }), `bit ${bit}`).toBe(false);
    }
  });

  it('refuses the chunk when any single bit of its signature is flipped', () => {
    for (let bit = 0; bit < 64 * 8; bit++) {
      expect(verifyChunk(key.streamId, SESSION, { ...chunk, sig: flipBit(chunk.sig, bit) }), `bit ${bit}`).toBe(false);
    }
  });

  it("refuses a chunk checked against another stream's key, and one signed by another key", () => {
    expect(verifyChunk(other.streamId, SESSION, chunk)).toBe(false);
    expect(verifyChunk(key.streamId, SESSION, signChunk(other, SESSION, { seq: 7, ts: TS, data }))).toBe(false);
  });

  it('refuses the chunk when its seq or ts is changed', () => {
    for (const changed of [
      { ...chunk, seq: 8 },
      { ...chunk, seq: 6 },
      { ...chunk, seq: 7 + 2 ** 32 },
      { ...chunk, ts: TS + 1 },
      { ...chunk, ts: TS - 1 },
      { ...chunk, ts: 0 },
    ]) {
      expect(verifyChunk(key.streamId, SESSION, changed)).toBe(false);
    }
  });

  it('refuses malformed chunks with false rather than an exception', () => {
    const malformed = [
      { ...chunk, sig: chunk.sig.subarray(0, 63) },
      { ...chunk, sig: new Uint8Array(65) },
      { ...chunk, seq: -1 },
      { ...chunk, seq: 1.5 },
      { ...chunk, ts: Number.MAX_SAFE_INTEGER + 2 },
      { ...chunk, data: 'text' },
    ] as unknown as Chunk[];
    for (const bad of malformed) expect(verifyChunk(key.streamId, SESSION, bad)).toBe(false);
  });

  it('refuses the chunk of another publish session of the same key, whatever its seq', () => {
    expect(verifyChunk(key.streamId, OTHER_SESSION, chunk)).toBe(false);
    expect(verifyChunk(key.streamId, SESSION.subarray(1), chunk)).toBe(false);
  });

  it('signs exactly the documented bytes: domain, public key, session, seq and ts as u64 big-endian, sha256 of the data', () => {
    const message = chunkSignedBytes(key.publicKey, SESSION, 2 ** 40 + 5, TS, data);
    const expected = Buffer.concat([
      Buffer.from('p2pstream-chunk-v2\0', 'ascii'),
      Buffer.from(key.publicKey),
      Buffer.from(SESSION),
      Buffer.from([0, 0, 1, 0, 0, 0, 0, 5]),
      Buffer.from(TS.toString(16).padStart(16, '0'), 'hex'),
      createHash('sha256').update(data).digest(),
    ]);
    expect(message).toEqual(expected);
    expect(message).toHaveLength(107);
  });

  it('refuses to sign a seq or ts that is not an integer from 0 to 2^53 - 1', () => {
    expect(() => signChunk(key, SESSION, { seq: -1, ts: TS, data })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => signChunk(key, SESSION, { seq: 0, ts: 1.5, data })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('publish signatures', () => {
  const sig = signPublish(key, 'cam1', TS, SESSION);

  it('verifies a publish signed by the key for that name and time', () => {
    expect(sig).toHaveLength(64);
    expect(verifyPublish(key.publicKey, 'cam1', TS, SESSION, sig)).toBe(true);
  });

  it('refuses a publish for another name, another time, another key or with a flipped bit', () => {
    expect(verifyPublish(key.publicKey, 'cam2', TS, SESSION, sig)).toBe(false);
    expect(verifyPublish(key.publicKey, 'cam1', TS + 1, SESSION, sig)).toBe(false);
    expect(verifyPublish(other.publicKey, 'cam1', TS, SESSION, sig)).toBe(false);
    expect(verifyPublish(key.publicKey, 'cam1', TS, OTHER_SESSION, sig)).toBe(false);
    for (let bit = 0; bit < 64 * 8; bit += 7) expect(verifyPublish(key.publicKey, 'cam1', TS, SESSION, flipBit(sig, bit))).toBe(false);
  });

  it('refuses malformed publish arguments with false rather than an exception', () => {
    expect(verifyPublish(key.publicKey.subarray(1), 'cam1', TS, SESSION, sig)).toBe(false);
    expect(verifyPublish(key.publicKey, '', TS, SESSION, sig)).toBe(false);
    expect(verifyPublish(key.publicKey, 'cam1', -1, SESSION, sig)).toBe(false);
    expect(verifyPublish(key.publicKey, 'cam1', TS, SESSION, sig.subarray(1))).toBe(false);
  });

  it('does not accept a chunk signature as a publish signature, nor the reverse', () => {
    const name = 'x';
    const chunk = signChunk(key, SESSION, { seq: TS, ts: TS, data: Buffer.from(name) });
    expect(verifyPublish(key.publicKey, name, TS, SESSION, chunk.sig)).toBe(false);
    expect(verifyChunk(key.streamId, SESSION, { seq: TS, ts: TS, data: Buffer.from(name), sig })).toBe(false);
    expect(verifyChunk(key.streamId, SESSION, { ...chunk, sig: signPublish(key, name, TS, SESSION) })).toBe(false);
  });
});
