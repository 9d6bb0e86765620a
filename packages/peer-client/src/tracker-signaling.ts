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
  /**
   * The set-up these signals belong to: every message goes out tagged with it, and only
   * messages tagged with it come back, so two set-ups between the same two entries (both
   * offering at the same moment) never hear each other's signals. The answering side
   * passes the id the offer came with.
   * @default a new random id (`newSetupId()`)
   */
  setup?: string;
  /** Messages already heard from the entry in this set-up (the offer that started an answer), handed to the first listener. */
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
/** Longest set-up id taken from the other side (ours are 16 hex digits). */
const MAX_SETUP_ID_LENGTH = 32;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** What a `signal` carries: one set-up's message, tagged with the set-up's id. */
export interface SignalEnvelope {
  setup: string;
  /** The `SignalMessage`, unchecked: `openDataChannel` checks it exactly. */
  message: unknown;
}

/** A random set-up id: 16 hex digits. */
export function newSetupId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(8)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * The `Signaling` channel to one entry of `stream` through central's relay, for one set-up:
 * each `SignalMessage` goes out as UTF-8 JSON in a `signal`, tagged with the set-up id, and
 * only `signal` events of that stream from that entry with that id come back. It listens
 * from the moment it is made (messages that arrive before `onMessage` are kept for the
 * first listener), until `close()`.
 */
export function trackerSignaling(tracker: SignalingTracker, stream: string, remote: EntryAddress, options: TrackerSignalingOptions = {}): TrackerSignaling {
  const setup = options.setup ?? newSetupId();
  const waiting: unknown[] = [...(options.heard ?? [])];
  const listeners = new Set<(message: unknown) => void>();
  const onSignal = (received: ReceivedSignal): void => {
    if (received.stream !== stream || received.from.host !== remote.host || received.from.port !== remote.port) return;
    const envelope = decodeSignal(received.data);
    if (envelope?.setup !== setup) return;
    if (listeners.size === 0 && waiting.length < MAX_WAITING) waiting.push(envelope.message);
    for (const listener of listeners) listener(envelope.message);
  };
  tracker.on('signal', onSignal);
  return {
    send(message: SignalMessage) {
      const envelope: SignalEnvelope = { setup, message };
      tracker.signal(stream, remote, encoder.encode(JSON.stringify(envelope))).catch((error: unknown) => options.onSendError?.(error));
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
 * The envelope a signal carries, or undefined when it is not one (not UTF-8 JSON, no
 * set-up id): such a signal belongs to no set-up and is dropped. The message inside is
 * not checked here: `openDataChannel` checks it exactly and fails its set-up with `BAD_SIGNAL`.
 */
export function decodeSignal(data: Uint8Array): SignalEnvelope | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(data));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { setup, message } = parsed as Record<string, unknown>;
  if (typeof setup !== 'string' || setup.length === 0 || setup.length > MAX_SETUP_ID_LENGTH) return undefined;
  return { setup, message };
}
