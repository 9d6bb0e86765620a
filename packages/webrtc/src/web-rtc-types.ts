/**
 * The parts of the W3C WebRTC interfaces this package uses, written out so that it
 * compiles without the DOM library and takes any implementation that follows the
 * standard: a browser's, `@roamhq/wrtc`'s, or another Node one.
 */

/** What `RTCPeerConnection`'s `iceServers` takes. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface SessionDescription {
  type: 'offer' | 'answer' | 'pranswer' | 'rollback';
  sdp?: string;
}

export interface IceCandidateInit {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
}

/** An `RTCDataChannel`. */
export interface DataChannel {
  readonly label: string;
  readonly ordered: boolean;
  readonly maxRetransmits: number | null;
  readonly maxPacketLifeTime: number | null;
  readonly readyState: 'connecting' | 'open' | 'closing' | 'closed';
  readonly bufferedAmount: number;
  bufferedAmountLowThreshold: number;
  binaryType: string;
  send(data: ArrayBufferView | ArrayBuffer): void;
  close(): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'open' | 'close' | 'bufferedamountlow', listener: () => void): void;
  addEventListener(type: 'error', listener: (event: { error?: unknown }) => void): void;
  removeEventListener(type: string, listener: (...args: never[]) => void): void;
}

export interface PeerConnection {
  readonly connectionState: 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';
  readonly localDescription: SessionDescription | null;
  createDataChannel(label: string, options?: { ordered?: boolean; protocol?: string }): DataChannel;
  createOffer(): Promise<SessionDescription>;
  createAnswer(): Promise<SessionDescription>;
  setLocalDescription(description: SessionDescription): Promise<void>;
  setRemoteDescription(description: SessionDescription): Promise<void>;
  addIceCandidate(candidate: IceCandidateInit): Promise<void>;
  getStats(): Promise<{ forEach(callback: (report: Record<string, unknown>) => void): void }>;
  close(): void;
  addEventListener(type: 'icecandidate', listener: (event: { candidate: IceCandidateInit | null }) => void): void;
  addEventListener(type: 'datachannel', listener: (event: { channel: DataChannel }) => void): void;
  addEventListener(type: 'connectionstatechange', listener: () => void): void;
  removeEventListener(type: string, listener: (...args: never[]) => void): void;
}

/** `RTCPeerConnection` itself: the browser's global one, or `wrtc.RTCPeerConnection` in Node. */
export type PeerConnectionClass = new (configuration: { iceServers: IceServer[] }) => PeerConnection;
