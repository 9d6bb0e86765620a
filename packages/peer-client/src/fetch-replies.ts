import { ChunkRefusedError, type RefusalReason } from '@p2pstream/scheduler';
import { WireErrorCode, type ChunkMessage, type RejectReason } from '@p2pstream/wire';
import { PeerRefusedError } from './errors.js';
import type { PeerLink } from './peer-link.js';
import type { ViewerCounters } from './viewer-stats.js';

const REFUSALS: Record<Exclude<RejectReason, typeof WireErrorCode.unknownStream>, RefusalReason> = {
  [WireErrorCode.notHeld]: 'not-held',
  [WireErrorCode.outsideWindow]: 'outside-window',
  [WireErrorCode.busy]: 'busy',
};

/**
 * The error a refused request fails with, for the scheduler. A peer that no
 * longer carries the stream is of no more use: `drop` is called first.
 */
export function refusalError(peer: string, seq: number, reason: RejectReason, drop: (peer: string, why: string) => void): Error {
  if (reason !== WireErrorCode.unknownStream) return new ChunkRefusedError(peer, seq, REFUSALS[reason]);
  drop(peer, 'it no longer carries the stream');
  return new PeerRefusedError(peer, 'it no longer carries the stream');
}

/**
 * Counts a verified chunk's bytes: to its link's rate, as from the publisher or
 * from peers, and as duplicate bytes when the chunks held have it already.
 * Returns whether to keep it: not when held already, nor once the viewer has
 * `closed` (then it is not counted as a duplicate either).
 */
export function tallyVerified(link: PeerLink, counters: ViewerCounters, held: { has(seq: number): boolean }, chunk: ChunkMessage, closed: boolean): boolean {
  const bytes = chunk.data.length;
  link.receivedBytes(bytes);
  if (link.source) counters.bytesFromPublisher += bytes;
  else counters.bytesFromPeers += bytes;
  if (closed) return false;
  if (held.has(chunk.seq)) {
    counters.duplicateBytes += bytes;
    return false;
  }
  return true;
}
