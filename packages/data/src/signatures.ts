import { createHash, sign, verify } from 'node:crypto';
import type { Chunk, UnsignedChunk } from './chunk.js';
import {
  CHUNK_SIGNATURE_DOMAIN,
  MAX_PUBLISH_NAME_BYTES,
  PUBLIC_KEY_BYTES,
  PUBLISH_SIGNATURE_DOMAIN,
  SHA256_BYTES,
  SIGNATURE_BYTES,
} from './constants.js';
import { InvalidArgumentError } from './errors.js';
import type { StreamKey } from './stream-key.js';
import { verifierFor, type StreamVerifier } from './verifier.js';

// The signed messages; the README documents the same layout byte by byte.
//   chunk:   "p2pstream-chunk-v1"   0x00  publicKey[32]  seq u64be  ts u64be  sha256(data)[32]
//   publish: "p2pstream-publish-v1" 0x00  publicKey[32]  ts u64be   nameLength u16be  name (UTF-8)
// The domains differ, so a signature over one kind of message never verifies as the other.
const CHUNK_PREFIX = domainPrefix(CHUNK_SIGNATURE_DOMAIN);
const PUBLISH_PREFIX = domainPrefix(PUBLISH_SIGNATURE_DOMAIN);
const CHUNK_MESSAGE_BYTES = CHUNK_PREFIX.length + PUBLIC_KEY_BYTES + 8 + 8 + SHA256_BYTES;

/** The bytes a chunk signature covers. Throws `INVALID_ARGUMENT` for a seq or ts that is not a u53. */
export function chunkSignedBytes(publicKey: Uint8Array, seq: number, ts: number, data: Uint8Array): Buffer {
  checkUint('seq', seq);
  checkUint('ts', ts);
  const message = Buffer.allocUnsafe(CHUNK_MESSAGE_BYTES);
  message.set(CHUNK_PREFIX);
  message.set(publicKey, CHUNK_PREFIX.length);
  let offset = writeU64(message, CHUNK_PREFIX.length + PUBLIC_KEY_BYTES, seq);
  offset = writeU64(message, offset, ts);
  createHash('sha256').update(data).digest().copy(message, offset);
  return message;
}

/** The bytes a publish signature covers. */
export function publishSignedBytes(publicKey: Uint8Array, name: string, ts: number): Buffer {
  checkUint('ts', ts);
  const nameBytes = Buffer.from(typeof name === 'string' ? name : '', 'utf8');
  if (nameBytes.length === 0 || nameBytes.length > MAX_PUBLISH_NAME_BYTES) {
    throw new InvalidArgumentError(`a published name is 1 to ${MAX_PUBLISH_NAME_BYTES} UTF-8 bytes`);
  }
  const message = Buffer.allocUnsafe(PUBLISH_PREFIX.length + PUBLIC_KEY_BYTES + 8 + 2 + nameBytes.length);
  message.set(PUBLISH_PREFIX);
  message.set(publicKey, PUBLISH_PREFIX.length);
  let offset = writeU64(message, PUBLISH_PREFIX.length + PUBLIC_KEY_BYTES, ts);
  offset = message.writeUInt16BE(nameBytes.length, offset);
  nameBytes.copy(message, offset);
  return message;
}

/** Signs a chunk as its publisher. */
export function signChunk(key: StreamKey, chunk: UnsignedChunk): Chunk {
  const message = chunkSignedBytes(key.publicKey, chunk.seq, chunk.ts, chunk.data);
  return { seq: chunk.seq, ts: chunk.ts, data: chunk.data, sig: sign(null, message, key.privateKey) };
}

/**
 * Whether `chunk` was signed by the stream's key, for exactly this seq, ts and
 * data. Anything malformed in the chunk (it came from the network) is `false`,
 * never a throw; a stream id that is not one throws `INVALID_STREAM_ID`.
 */
export function verifyChunk(stream: StreamVerifier | string, chunk: Chunk): boolean {
  const verifier = typeof stream === 'string' ? verifierFor(stream) : stream;
  if (!isUint(chunk.seq) || !isUint(chunk.ts) || !(chunk.data instanceof Uint8Array)) return false;
  if (!(chunk.sig instanceof Uint8Array) || chunk.sig.length !== SIGNATURE_BYTES) return false;
  const message = chunkSignedBytes(verifier.publicKey, chunk.seq, chunk.ts, chunk.data);
  return verify(null, message, verifier.keyObject, chunk.sig);
}

/** The signature central asks for before it binds `name` to this key. */
export function signPublish(key: StreamKey, name: string, ts: number): Uint8Array {
  return sign(null, publishSignedBytes(key.publicKey, name, ts), key.privateKey);
}

/**
 * Whether `sig` is the key's signature of a publish of `name` at `ts`. Every
 * argument may come from the network: anything malformed is `false`.
 */
export function verifyPublish(rawPublicKey: Uint8Array, name: string, ts: number, sig: Uint8Array): boolean {
  if (!(rawPublicKey instanceof Uint8Array) || rawPublicKey.length !== PUBLIC_KEY_BYTES) return false;
  if (!(sig instanceof Uint8Array) || sig.length !== SIGNATURE_BYTES) return false;
  if (typeof name !== 'string' || !isUint(ts)) return false;
  let verifier: StreamVerifier;
  let message: Buffer;
  try {
    verifier = verifierFor(rawPublicKey);
    message = publishSignedBytes(rawPublicKey, name, ts);
  } catch {
    return false;
  }
  return verify(null, message, verifier.keyObject, sig);
}

function domainPrefix(domain: string): Buffer {
  // The 0x00 ends the domain, so no domain can be a prefix of another's message.
  return Buffer.concat([Buffer.from(domain, 'ascii'), Buffer.of(0)]);
}

function writeU64(target: Buffer, offset: number, value: number): number {
  target.writeUInt32BE(Math.floor(value / 2 ** 32), offset);
  target.writeUInt32BE(value >>> 0, offset + 4);
  return offset + 8;
}

function isUint(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function checkUint(field: string, value: number): void {
  if (!isUint(value)) throw new InvalidArgumentError(`${field} must be an integer from 0 to 2^53 - 1, got ${value}`);
}
