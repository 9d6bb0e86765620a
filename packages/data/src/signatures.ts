import { createHash, sign, verify } from 'node:crypto';
import type { Chunk, UnsignedChunk } from './chunk.js';
import { CHUNK_MESSAGE_BYTES, isUint, writeChunkMessage } from './chunk-message.js';
import {
  MAX_PUBLISH_NAME_BYTES,
  PUBLIC_KEY_BYTES,
  PUBLISH_SIGNATURE_DOMAIN,
  SESSION_BYTES,
  SIGNATURE_BYTES,
} from './constants.js';
import { InvalidArgumentError } from './errors.js';
import type { StreamKey } from './stream-key.js';
import { isSession } from './stream-session.js';
import { verifierFor, type StreamVerifier } from './verifier.js';

// The signed messages; the README documents the same layout byte by byte.
//   chunk:   see chunk-message.ts (shared with the WebCrypto verifier)
//   publish: "p2pstream-publish-v2" 0x00  publicKey[32]  session[8]  ts u64be   nameLength u16be  name (UTF-8)
// The domains differ, so a signature over one kind of message never verifies as the other;
// the session differs per publish, so a chunk of one publish never verifies in another.
const PUBLISH_PREFIX = domainPrefix(PUBLISH_SIGNATURE_DOMAIN);

/**
 * The bytes a chunk signature covers. Throws `INVALID_ARGUMENT` for a seq or ts
 * that is not a u53, or a session that is not 8 bytes.
 */
export function chunkSignedBytes(publicKey: Uint8Array, session: Uint8Array, seq: number, ts: number, data: Uint8Array): Buffer {
  checkSession(session);
  checkUint('seq', seq);
  checkUint('ts', ts);
  const message = Buffer.allocUnsafe(CHUNK_MESSAGE_BYTES);
  writeChunkMessage(message, publicKey, session, seq, ts, createHash('sha256').update(data).digest());
  return message;
}

/** The bytes a publish signature covers: the name, the session it starts and its time. */
export function publishSignedBytes(publicKey: Uint8Array, name: string, ts: number, session: Uint8Array): Buffer {
  checkSession(session);
  checkUint('ts', ts);
  const nameBytes = Buffer.from(typeof name === 'string' ? name : '', 'utf8');
  if (nameBytes.length === 0 || nameBytes.length > MAX_PUBLISH_NAME_BYTES) {
    throw new InvalidArgumentError(`a published name is 1 to ${MAX_PUBLISH_NAME_BYTES} UTF-8 bytes`);
  }
  const message = Buffer.allocUnsafe(PUBLISH_PREFIX.length + PUBLIC_KEY_BYTES + SESSION_BYTES + 8 + 2 + nameBytes.length);
  message.set(PUBLISH_PREFIX);
  message.set(publicKey, PUBLISH_PREFIX.length);
  message.set(session, PUBLISH_PREFIX.length + PUBLIC_KEY_BYTES);
  let offset = writeU64(message, PUBLISH_PREFIX.length + PUBLIC_KEY_BYTES + SESSION_BYTES, ts);
  offset = message.writeUInt16BE(nameBytes.length, offset);
  nameBytes.copy(message, offset);
  return message;
}

/** Signs a chunk of the publish `session` as its publisher. */
export function signChunk(key: StreamKey, session: Uint8Array, chunk: UnsignedChunk): Chunk {
  const message = chunkSignedBytes(key.publicKey, session, chunk.seq, chunk.ts, chunk.data);
  return { seq: chunk.seq, ts: chunk.ts, data: chunk.data, sig: sign(null, message, key.privateKey) };
}

/**
 * Whether `chunk` was signed by the stream's key in the publish `session`, for
 * exactly this seq, ts and data. Anything malformed in the chunk or the session
 * (they came from the network) is `false`, never a throw; a stream id that is
 * not one throws `INVALID_STREAM_ID`.
 */
export function verifyChunk(stream: StreamVerifier | string, session: Uint8Array, chunk: Chunk): boolean {
  const verifier = typeof stream === 'string' ? verifierFor(stream) : stream;
  if (!isSession(session) || !isUint(chunk.seq) || !isUint(chunk.ts) || !(chunk.data instanceof Uint8Array)) return false;
  if (!(chunk.sig instanceof Uint8Array) || chunk.sig.length !== SIGNATURE_BYTES) return false;
  const message = chunkSignedBytes(verifier.publicKey, session, chunk.seq, chunk.ts, chunk.data);
  return verify(null, message, verifier.keyObject, chunk.sig);
}

/** The signature central asks for before it binds `name` to this key and registers `session` as its current publish. */
export function signPublish(key: StreamKey, name: string, ts: number, session: Uint8Array): Uint8Array {
  return sign(null, publishSignedBytes(key.publicKey, name, ts, session), key.privateKey);
}

/**
 * Whether `sig` is the key's signature of a publish of `name` at `ts` starting
 * `session`. Every argument may come from the network: anything malformed is `false`.
 */
export function verifyPublish(rawPublicKey: Uint8Array, name: string, ts: number, session: Uint8Array, sig: Uint8Array): boolean {
  if (!(rawPublicKey instanceof Uint8Array) || rawPublicKey.length !== PUBLIC_KEY_BYTES) return false;
  if (!isSession(session)) return false;
  if (!(sig instanceof Uint8Array) || sig.length !== SIGNATURE_BYTES) return false;
  if (typeof name !== 'string' || !isUint(ts)) return false;
  let verifier: StreamVerifier;
  let message: Buffer;
  try {
    verifier = verifierFor(rawPublicKey);
    message = publishSignedBytes(rawPublicKey, name, ts, session);
  } catch {
    return false;
  }
  return verify(null, message, verifier.keyObject, sig);
}

/** `domain` and the 0x00 that ends it: the first bytes of one kind of signed message. */
export function domainPrefix(domain: string): Buffer {
  // The 0x00 ends the domain, so no domain can be a prefix of another's message.
  return Buffer.concat([Buffer.from(domain, 'ascii'), Buffer.of(0)]);
}

export function writeU64(target: Buffer, offset: number, value: number): number {
  target.writeUInt32BE(Math.floor(value / 2 ** 32), offset);
  target.writeUInt32BE(value >>> 0, offset + 4);
  return offset + 8;
}

export { isUint };

export function checkSession(session: Uint8Array): void {
  if (!isSession(session)) throw new InvalidArgumentError(`a session is ${SESSION_BYTES} bytes`);
}

export function checkUint(field: string, value: number): void {
  if (!isUint(value)) throw new InvalidArgumentError(`${field} must be an integer from 0 to 2^53 - 1, got ${value}`);
}
