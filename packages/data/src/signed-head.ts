import { sign, verify } from 'node:crypto';
import { END_SIGNATURE_DOMAIN, HEAD_SIGNATURE_DOMAIN, PUBLIC_KEY_BYTES, SESSION_BYTES, SIGNATURE_BYTES } from './constants.js';
import { checkSession, checkUint, domainPrefix, isUint, writeU64 } from './signatures.js';
import type { StreamKey } from './stream-key.js';
import { isSession } from './stream-session.js';
import { verifierFor, type StreamVerifier } from './verifier.js';

// What the publisher says about its stream as a whole, signed, so that no peer can
// claim it for the publisher. The README documents the same layout byte by byte.
//   head: "p2pstream-head-v1" 0x00  publicKey[32]  session[8]  edge u64be  ts u64be
//   end:  "p2pstream-end-v1"  0x00  publicKey[32]  session[8]  edge u64be
const HEAD_PREFIX = domainPrefix(HEAD_SIGNATURE_DOMAIN);
const END_PREFIX = domainPrefix(END_SIGNATURE_DOMAIN);

/**
 * The publisher's signed word on how far its stream has come: `edge` chunks
 * (one past the newest seq) had been cut at `ts` (its clock, ms). Peers pass the
 * newest they verified on; a viewer believes an edge only as far as one of these.
 */
export interface SignedHead {
  edge: number;
  ts: number;
  sig: Uint8Array;
}

/** The publisher's signed word that its stream ended with `edge` chunks: only this ends a stream. */
export interface SignedEnd {
  edge: number;
  sig: Uint8Array;
}

/** The bytes a head signature covers. Throws `INVALID_ARGUMENT` for a bad session, edge or ts. */
export function headSignedBytes(publicKey: Uint8Array, session: Uint8Array, edge: number, ts: number): Buffer {
  checkSession(session);
  checkUint('edge', edge);
  checkUint('ts', ts);
  const message = Buffer.allocUnsafe(HEAD_PREFIX.length + PUBLIC_KEY_BYTES + SESSION_BYTES + 8 + 8);
  message.set(HEAD_PREFIX);
  message.set(publicKey, HEAD_PREFIX.length);
  message.set(session, HEAD_PREFIX.length + PUBLIC_KEY_BYTES);
  writeU64(message, writeU64(message, HEAD_PREFIX.length + PUBLIC_KEY_BYTES + SESSION_BYTES, edge), ts);
  return message;
}

/** The bytes an end signature covers. Throws `INVALID_ARGUMENT` for a bad session or edge. */
export function endSignedBytes(publicKey: Uint8Array, session: Uint8Array, edge: number): Buffer {
  checkSession(session);
  checkUint('edge', edge);
  const message = Buffer.allocUnsafe(END_PREFIX.length + PUBLIC_KEY_BYTES + SESSION_BYTES + 8);
  message.set(END_PREFIX);
  message.set(publicKey, END_PREFIX.length);
  message.set(session, END_PREFIX.length + PUBLIC_KEY_BYTES);
  writeU64(message, END_PREFIX.length + PUBLIC_KEY_BYTES + SESSION_BYTES, edge);
  return message;
}

/** Signs a head of the publish `session`: `edge` chunks cut by `ts`. */
export function signHead(key: StreamKey, session: Uint8Array, edge: number, ts: number): SignedHead {
  return { edge, ts, sig: sign(null, headSignedBytes(key.publicKey, session, edge, ts), key.privateKey) };
}

/** Signs the end of the publish `session` after `edge` chunks. */
export function signEnd(key: StreamKey, session: Uint8Array, edge: number): SignedEnd {
  return { edge, sig: sign(null, endSignedBytes(key.publicKey, session, edge), key.privateKey) };
}

/** Whether `head` is the stream key's head of `session`; anything malformed (from the network) is `false`. */
export function verifyHead(stream: StreamVerifier | string, session: Uint8Array, head: SignedHead): boolean {
  const verifier = typeof stream === 'string' ? verifierFor(stream) : stream;
  if (!isSession(session) || !isUint(head.edge) || !isUint(head.ts) || !isSignature(head.sig)) return false;
  return verify(null, headSignedBytes(verifier.publicKey, session, head.edge, head.ts), verifier.keyObject, head.sig);
}

/** Whether `end` is the stream key's end of `session`; anything malformed (from the network) is `false`. */
export function verifyEnd(stream: StreamVerifier | string, session: Uint8Array, end: SignedEnd): boolean {
  const verifier = typeof stream === 'string' ? verifierFor(stream) : stream;
  if (!isSession(session) || !isUint(end.edge) || !isSignature(end.sig)) return false;
  return verify(null, endSignedBytes(verifier.publicKey, session, end.edge), verifier.keyObject, end.sig);
}

function isSignature(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === SIGNATURE_BYTES;
}
