import { verifyEnd, verifyHead } from '@p2pstream/data';
import type { AnnounceMessage } from '@p2pstream/wire';
import { BadHeadError } from './errors.js';
import type { HeadRecord, StreamHead } from './registry.js';

/**
 * How far a stream has come by its publisher's signature. The publisher hands
 * central its newest signed head (and, once it ended, its signed end) with its
 * announces; central verifies them against the stream's key and the session of
 * its current publish and stores the newest in the registry, so every central
 * sharing the registry believes the same head — including one that never saw
 * the publisher's connection. Every announced edge is a claim, clipped to it.
 */

/**
 * The signed head or end an announce carries, verified in the stream's current
 * session: undefined when it carries none. Throws `BAD_SIGNATURE` for one that
 * does not verify (a lie, or a head of another publish).
 */
export function verifiedHead(message: AnnounceMessage, current: StreamHead, at: number): HeadRecord | undefined {
  const { stream, edge, ts, sig, end } = message;
  if (end === undefined && ts === undefined && sig === undefined) return undefined;
  const session = current.session;
  if (session === undefined) throw new BadHeadError(stream);
  const sessionBytes = Buffer.from(session, 'hex');
  if (end !== undefined) {
    if (!verifyEnd(stream, sessionBytes, { edge, sig: end })) throw new BadHeadError(stream);
    return { session, edge, ts: 0, at, ended: true };
  }
  if (ts === undefined || sig === undefined || !verifyHead(stream, sessionBytes, { edge, ts, sig })) throw new BadHeadError(stream);
  return { session, edge, ts, at, ended: false };
}

/** `edge` as far as the stream's signed head or end says: 0 before there is one. */
export function clipToHead(current: StreamHead, edge: number): number {
  return Math.min(edge, current.head?.edge ?? 0);
}

/** Whether the publisher gave central a newer signed head within `ttl` ms before `now`. */
export function headIsFresh(current: StreamHead, now: number, ttl: number): boolean {
  return current.head !== undefined && now - current.head.at <= ttl;
}
