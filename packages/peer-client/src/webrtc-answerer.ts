import type { Transport } from '@p2pstream/connection';
import type { ReceivedSignal } from '@p2pstream/tracker-client';
import { dataChannelTransport, openDataChannel } from '@p2pstream/webrtc';
import { InvalidOptionError, PeerClientError, WebRTCSetupError } from './errors.js';
import { decodeSignal, trackerSignaling, type SignalEnvelope, type SignalingTracker } from './tracker-signaling.js';
import { DEFAULT_WEBRTC_OPEN_TIMEOUT_MS, type WebRTCOptions } from './webrtc-dial.js';

/** Data-channel set-ups in progress at once, by default. */
export const DEFAULT_MAX_WEBRTC_SETUPS = 8;

export interface WebRTCAnswererInit extends WebRTCOptions {
  /** Central's relay: offers arrive as its `signal` events (for streams announced with `signals: true`). */
  tracker: SignalingTracker;
  /** Where each opened channel goes: a `PeerServer` (its `accept`), under its connection limits. */
  server: { accept(transport: Transport): void };
  /**
   * Set-ups (offer to open channel) in progress at once; an offer beyond them is ignored
   * with a warning, and its sender's set-up times out.
   * @default 8
   */
  maxSetups?: number;
  /** A set-up that failed or an offer that was turned away: recoverable, the answerer goes on. */
  onWarning?: (error: Error) => void;
}

export interface WebRTCAnswerer {
  /** Set-ups in progress now. */
  readonly setups: number;
  /** Stops answering and aborts the set-ups in progress (channels already handed on stay open). */
  close(): void;
}

/**
 * The serving side of WebRTC: answers each offer central relays to this peer's entries
 * with a data channel (`openDataChannel`, not the initiator) and hands it to `server.accept`,
 * so a peer that reached it this way is served under the same limits as one that dialed
 * over TCP, counted under the address central reported for it. One set-up per offering
 * entry at a time, at most `maxSetups` at once, each bounded by `openTimeoutMs`.
 */
export function answerWebRTC(init: WebRTCAnswererInit): WebRTCAnswerer {
  const maxSetups = init.maxSetups ?? DEFAULT_MAX_WEBRTC_SETUPS;
  if (!Number.isSafeInteger(maxSetups) || maxSetups < 1) throw new InvalidOptionError(`maxSetups must be a positive integer, not ${maxSetups}`);
  const closing = new AbortController();
  /** Set-ups in progress by `stream host:port` of the offering entry. */
  const inProgress = new Set<string>();
  const warn = (error: Error): void => init.onWarning?.(error);

  const onSignal = (received: ReceivedSignal): void => {
    const entry = `${received.from.host}:${received.from.port}`;
    const key = `${received.stream} ${entry}`;
    // Candidates and answers belong to a set-up in progress (its own listener takes them) or to none;
    // so do this entry's further offers while one of its set-ups is in progress here.
    if (inProgress.has(key)) return;
    const envelope = decodeSignal(received.data);
    if (!envelope || !isOffer(envelope.message)) return;
    if (inProgress.size >= maxSetups) {
      warn(new WebRTCSetupError(entry, `turned away a WebRTC offer from ${entry}: ${maxSetups} set-ups are in progress already`));
      return;
    }
    inProgress.add(key);
    void answer(received, envelope).then(
      (transport) => init.server.accept(transport),
      (error: unknown) => {
        if (!closing.signal.aborted) warn(new WebRTCSetupError(entry, `a WebRTC set-up with ${entry} failed: ${(error as Error).message}`, { cause: error }));
      },
    ).finally(() => inProgress.delete(key));
  };

  const answer = async (received: ReceivedSignal, offer: SignalEnvelope): Promise<Transport> => {
    const refused = new AbortController();
    const signaling = trackerSignaling(init.tracker, received.stream, received.from, {
      setup: offer.setup,
      heard: [offer.message],
      onSendError: (error) => refused.abort(error),
    });
    try {
      const opened = await openDataChannel({
        signaling,
        initiator: false,
        RTCPeerConnection: init.RTCPeerConnection,
        iceServers: init.iceServers ?? [],
        timeout: init.openTimeoutMs ?? DEFAULT_WEBRTC_OPEN_TIMEOUT_MS,
        signal: AbortSignal.any([refused.signal, closing.signal]),
      });
      // Central saw the offering entry's address on its socket: per-address limits count that, not a claim in the SDP.
      return dataChannelTransport(opened.channel, { peerConnection: opened.peerConnection, remoteAddress: received.from.host, remotePort: received.from.port });
    } finally {
      signaling.close();
    }
  };

  init.tracker.on('signal', onSignal);
  return {
    get setups() {
      return inProgress.size;
    },
    close() {
      init.tracker.off('signal', onSignal);
      closing.abort(new PeerClientError('CLIENT_CLOSED', 'the WebRTC answerer closed'));
    },
  };
}

function isOffer(message: unknown): boolean {
  return typeof message === 'object' && message !== null && (message as { t?: unknown }).t === 'description' && (message as { type?: unknown }).type === 'offer';
}
