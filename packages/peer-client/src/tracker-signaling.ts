import type { CallOptions, ReceivedSignal } from '@p2pstream/tracker-client';
import type { Signaling, SignalMessage } from '@p2pstream/webrtc';

/** What signaling needs of central: a `TrackerClient`'s relay and its `signal` event (tests pass a stand-in). */
export interface SignalingTracker {
  signal(stream: string, to: EntryAddress, data: Uint8Array, options?: CallOptions): Promise<void>;
  on(event: 'signal', listener: (signal: ReceivedSignal) => void): unknown;
  off(event: 'signal', listener: (signal: ReceivedSignal) => void): unknown;
}

/** An entry of a stream at central, as look-ups list it and `signal` events name it. */
export interface EntryAddress {
  readonly host: string;
  readonly port: number;
}

export interface TrackerSignalingOptions {
  /** Messages already heard from the entry (the offer that started an answer), handed to the first listener. */
  heard?: readonly unknown[];
  /** A send central refused (e.g. `SIGNALS_NOT_ACCEPTED`, `SIGNAL_TARGET_GONE`): the set-up cannot go on. */
  onSendError?: (error: unknown) => void;
}

/** A `Signaling` that can stop listening to central. */
export interface TrackerSignaling extends Signaling {
  close(): void;
}

/** Messages kept for a listener not yet there; openDataChannel takes no more than 64 before its channel opens either. */
const MAX_WAITING = 64;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The `Signaling` channel to one entry of `stream` through central's relay: each
 * `SignalMessage` goes out as UTF-8 JSON in a `signal`, and only `signal` events of that
 * stream from that entry come back. It listens from the moment it is made (messages that
 * arrive before `onMessage` are kept for the first listener), until `close()`.
 */
export function trackerSignaling(tracker: SignalingTracker, stream: string, remote: EntryAddress, options: TrackerSignalingOptions = {}): TrackerSignaling {
  const waiting: unknown[] = [...(options.heard ?? [])];
  const listeners = new Set<(message: unknown) => void>();
  const onSignal = (received: ReceivedSignal): void => {
    if (received.stream !== stream || received.from.host !== remote.host || received.from.port !== remote.port) return;
    const message = decodeSignal(received.data);
    if (listeners.size === 0 && waiting.length < MAX_WAITING) waiting.push(message);
    for (const listener of listeners) listener(message);
  };
  tracker.on('signal', onSignal);
  return {
    send(message: SignalMessage) {
      tracker.signal(stream, remote, encoder.encode(JSON.stringify(message))).catch((error: unknown) => options.onSendError?.(error));
    },
    onMessage(listener) {
      listeners.add(listener);
      for (const message of waiting.splice(0)) listener(message);
      return () => listeners.delete(listener);
    },
    close() {
      tracker.off('signal', onSignal);
      listeners.clear();
      waiting.length = 0;
    },
  };
}

/**
 * The JSON a signal carries, or the undecodable bytes' text as they are: whatever it is,
 * `openDataChannel` checks it exactly and fails the set-up with `BAD_SIGNAL`.
 */
export function decodeSignal(data: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(data)) as unknown;
  } catch {
    return `undecodable signal of ${data.length} bytes`;
  }
}
