import { connect, type Connection, type DialFunction, type DialOptions } from '@p2pstream/connection/browser';
import { dataChannelTransport, openDataChannel, type IceServer, type PeerConnectionClass } from '@p2pstream/webrtc';
import { WireErrorCode } from '@p2pstream/wire';
import { trackerSignaling, type SignalingTracker } from './tracker-signaling.js';

/** How a peer opens WebRTC data channels: the implementation (Node has none of its own) and where ICE looks. */
export interface WebRTCOptions {
  /** `RTCPeerConnection` of a WebRTC implementation, e.g. `@roamhq/wrtc`'s in Node. */
  RTCPeerConnection: PeerConnectionClass;
  /**
   * STUN/TURN servers; host candidates suffice on one host or LAN.
   * @default []
   */
  iceServers?: IceServer[];
  /**
   * Milliseconds from the first signal to an open data channel.
   * @default 15_000
   */
  openTimeoutMs?: number;
}

export const DEFAULT_WEBRTC_OPEN_TIMEOUT_MS = 15_000;

export interface WebRTCDialInit extends WebRTCOptions {
  /** Central's relay; this peer must have announced `stream` there (with `signals: true`, so answers reach it). */
  tracker: SignalingTracker;
  /** The stream id whose entries are dialed: central relays only between entries of one stream. */
  stream: string;
  /**
   * How to reach an entry that does not take signals (central refuses with
   * `SIGNALS_NOT_ACCEPTED`): `dial` over TCP, say. Without it, that refusal rejects.
   */
  fallback?: DialFunction;
}

/**
 * A `DialFunction` that reaches the entry `host:port` of a stream over a WebRTC data
 * channel set up through central's signal relay (this side offers), then runs the
 * p2pstream handshake over it as `dial` does over TCP. A refusal by central rejects at
 * once with central's error (`CentralRefusedError`: `SIGNAL_TARGET_GONE`, `NOT_ANNOUNCED`, …),
 * except that an entry that does not take signals is dialed with `fallback` when given.
 */
export function webRTCDial(init: WebRTCDialInit): DialFunction {
  return async (host: string, port: number, options: DialOptions): Promise<Connection> => {
    options.signal?.throwIfAborted();
    const refused = new AbortController();
    const signaling = trackerSignaling(init.tracker, init.stream, { host, port }, { onSendError: (error) => refused.abort(error) });
    let opened;
    try {
      opened = await openDataChannel({
        signaling,
        initiator: true,
        RTCPeerConnection: init.RTCPeerConnection,
        iceServers: init.iceServers ?? [],
        timeout: init.openTimeoutMs ?? DEFAULT_WEBRTC_OPEN_TIMEOUT_MS,
        signal: options.signal ? AbortSignal.any([refused.signal, options.signal]) : refused.signal,
      });
    } catch (error) {
      if (init.fallback && (error as { code?: unknown }).code === WireErrorCode.signalsNotAccepted) return init.fallback(host, port, options);
      throw error;
    } finally {
      signaling.close();
    }
    const transport = dataChannelTransport(opened.channel, { peerConnection: opened.peerConnection, remoteAddress: host, remotePort: port });
    return connect(transport, {
      role: options.role,
      ...(options.limits ? { limits: options.limits } : {}),
      ...(options.uploadLimiter ? { uploadLimiter: options.uploadLimiter } : {}),
      ...(options.handlers ? { handlers: options.handlers } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  };
}
