import { BadSignalError } from './errors.js';

/**
 * What two peers exchange to open a data channel: plain JSON, so any relay can carry it
 * (central's WebSocket, a test's in-process pair). `description` is an offer or answer,
 * `candidate` one trickled ICE candidate.
 */
export type SignalMessage =
  | { t: 'description'; type: 'offer' | 'answer'; sdp: string }
  | { t: 'candidate'; candidate: string; sdpMid: string | null; sdpMLineIndex: number | null };

/** A channel to the one other peer: `send` delivers to it, `onMessage` hears from it (and returns how to stop). */
export interface Signaling {
  send(message: SignalMessage): void;
  onMessage(listener: (message: unknown) => void): () => void;
}

/** Longest SDP taken from the other side (a data-channel-only SDP is about 1 KiB). */
export const MAX_SDP_BYTES = 16 * 1024;
/** Longest candidate line taken (a candidate line is about 100 bytes). */
export const MAX_CANDIDATE_BYTES = 1024;

/** The message exactly as a `SignalMessage`, or `BadSignalError`: what came through a relay is untrusted. */
export function parseSignal(message: unknown): SignalMessage {
  if (typeof message !== 'object' || message === null) throw new BadSignalError('not an object');
  const fields = message as Record<string, unknown>;
  if (fields.t === 'description') {
    const { type, sdp } = fields;
    if (type !== 'offer' && type !== 'answer') throw new BadSignalError(`description type ${JSON.stringify(type)} is neither offer nor answer`);
    if (typeof sdp !== 'string' || sdp.length > MAX_SDP_BYTES) throw new BadSignalError(`sdp must be a string of at most ${MAX_SDP_BYTES} characters`);
    return { t: 'description', type, sdp };
  }
  if (fields.t === 'candidate') {
    const { candidate, sdpMid, sdpMLineIndex } = fields;
    if (typeof candidate !== 'string' || candidate.length > MAX_CANDIDATE_BYTES) {
      throw new BadSignalError(`candidate must be a string of at most ${MAX_CANDIDATE_BYTES} characters`);
    }
    if (sdpMid !== null && (typeof sdpMid !== 'string' || sdpMid.length > 64)) throw new BadSignalError('sdpMid must be null or a short string');
    if (sdpMLineIndex !== null && !(Number.isSafeInteger(sdpMLineIndex) && (sdpMLineIndex as number) >= 0 && (sdpMLineIndex as number) < 64)) {
      throw new BadSignalError('sdpMLineIndex must be null or a small integer');
    }
    return { t: 'candidate', candidate, sdpMid: sdpMid as string | null, sdpMLineIndex: sdpMLineIndex as number | null };
  }
  throw new BadSignalError(`unknown type ${JSON.stringify(fields.t)}`);
}

/**
 * Two joined `Signaling` ends in one process, for tests and examples: every message goes
 * through `JSON.stringify`/`JSON.parse` on the next turn, as it would through a relay.
 */
export function createSignalingPair(): [Signaling, Signaling] {
  const listeners: [Set<(message: unknown) => void>, Set<(message: unknown) => void>] = [new Set(), new Set()];
  const end = (own: 0 | 1): Signaling => ({
    send(message) {
      const text = JSON.stringify(message);
      setTimeout(() => {
        for (const listener of listeners[1 - own]!) listener(JSON.parse(text));
      }, 0);
    },
    onMessage(listener) {
      listeners[own].add(listener);
      return () => listeners[own].delete(listener);
    },
  });
  return [end(0), end(1)];
}
