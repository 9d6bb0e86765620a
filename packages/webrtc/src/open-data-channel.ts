import { holdMessages } from './early-messages.js';
import { BadSignalError, OpenTimeoutError, WebRTCError } from './errors.js';
import { remoteCandidateOf, type CandidateAddress } from './selected-candidate.js';
import { parseSignal, type Signaling, type SignalMessage } from './signaling.js';
import type { DataChannel, IceCandidateInit, IceServer, PeerConnection, PeerConnectionClass } from './web-rtc-types.js';

export interface OpenDataChannelOptions {
  /** The channel to the other peer; both must use it for this one data channel only. */
  signaling: Signaling;
  /** True on exactly one of the two sides: it makes the channel and the offer; the other answers. */
  initiator: boolean;
  /**
   * `RTCPeerConnection`: in a browser the global one (the default); in Node pass an
   * implementation's, e.g. `RTCPeerConnection` of the `@roamhq/wrtc` package's default export.
   */
  RTCPeerConnection?: PeerConnectionClass;
  /**
   * STUN/TURN servers. None are needed on one host or LAN: host candidates connect there.
   * @default []
   */
  iceServers?: IceServer[];
  /** The data channel's label (the initiator's; the answerer takes what comes). @default 'p2pstream' */
  label?: string;
  /**
   * Milliseconds from the call to an open channel: `SIGNALING_TIMEOUT` if the other side
   * sent nothing, `CONNECT_TIMEOUT` if it did.
   * @default 15_000
   */
  timeout?: number;
  /**
   * Signaling messages taken from the other side (descriptions and candidates) before the
   * channel opens; more is `BAD_SIGNAL`.
   * @default 64
   */
  maxSignals?: number;
  signal?: AbortSignal;
}

/** An open data channel, the peer connection that carries it (close it when done), and where the other side is. */
export interface OpenedDataChannel {
  channel: DataChannel;
  peerConnection: PeerConnection;
  /** The other side's address and port on the selected ICE candidate pair, when the implementation reports it. */
  remote: CandidateAddress | undefined;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_MAX_SIGNALS = 64;

/**
 * Opens an ordered, reliable data channel to the peer at the other end of `signaling`:
 * offer, answer and trickled ICE candidates go through it as `SignalMessage`s. On any
 * failure (timeout, `ICE_FAILED`, `BAD_SIGNAL`, abort) the peer connection is closed
 * and the signaling listener removed before the promise rejects.
 */
export async function openDataChannel(options: OpenDataChannelOptions): Promise<OpenedDataChannel> {
  const PeerConnectionImpl = options.RTCPeerConnection ?? (globalThis as { RTCPeerConnection?: PeerConnectionClass }).RTCPeerConnection;
  if (!PeerConnectionImpl) {
    throw new WebRTCError(
      'NO_WEBRTC',
      'no RTCPeerConnection here: in Node install @roamhq/wrtc (npm install @roamhq/wrtc) and pass its RTCPeerConnection as the RTCPeerConnection option',
    );
  }
  const timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
  const maxSignals = options.maxSignals ?? DEFAULT_MAX_SIGNALS;
  options.signal?.throwIfAborted();
  const peerConnection = new PeerConnectionImpl({ iceServers: options.iceServers ?? [] });
  const { signaling } = options;
  let heardFromOtherSide = false;
  let signals = 0;
  let remoteDescriptionSet = false;
  /** Candidates that came before the offer or answer they belong to. */
  const earlyCandidates: IceCandidateInit[] = [];
  const cleanups: Array<() => void> = [];

  try {
    const channel = await new Promise<DataChannel>((resolve, reject) => {
      const fail = (error: unknown): void => reject(error);
      const timer = setTimeout(() => fail(new OpenTimeoutError(heardFromOtherSide ? 'CONNECT_TIMEOUT' : 'SIGNALING_TIMEOUT', timeout)), timeout);
      cleanups.push(() => clearTimeout(timer));
      if (options.signal) {
        const onAbort = (): void => fail(options.signal!.reason);
        options.signal.addEventListener('abort', onAbort, { once: true });
        cleanups.push(() => options.signal!.removeEventListener('abort', onAbort));
      }

      const whenOpen = (channel: DataChannel): void => {
        const opened = (): void => {
          holdMessages(channel);
          resolve(channel);
        };
        if (channel.readyState === 'open') return opened();
        channel.addEventListener('open', opened);
      };
      on(peerConnection, 'icecandidate', (event: { candidate: IceCandidateInit | null }) => {
        const { candidate } = event;
        if (candidate && candidate.candidate) {
          signaling.send({ t: 'candidate', candidate: candidate.candidate, sdpMid: candidate.sdpMid ?? null, sdpMLineIndex: candidate.sdpMLineIndex ?? null });
        }
      });
      on(peerConnection, 'connectionstatechange', () => {
        if (peerConnection.connectionState === 'failed') fail(new WebRTCError('ICE_FAILED', 'no ICE candidate pair connected (behind NAT, pass a STUN or TURN server in iceServers)'));
      });
      if (!options.initiator) {
        on(peerConnection, 'datachannel', (event: { channel: DataChannel }) => whenOpen(event.channel));
      }

      const onSignal = async (message: SignalMessage): Promise<void> => {
        if (message.t === 'candidate') {
          const candidate = { candidate: message.candidate, sdpMid: message.sdpMid, sdpMLineIndex: message.sdpMLineIndex };
          if (remoteDescriptionSet) await peerConnection.addIceCandidate(candidate);
          else earlyCandidates.push(candidate);
          return;
        }
        if (message.type !== (options.initiator ? 'answer' : 'offer') || remoteDescriptionSet) {
          throw new BadSignalError(`an unexpected ${message.type} (this side is the ${options.initiator ? 'initiator' : 'answerer'})`);
        }
        await peerConnection.setRemoteDescription({ type: message.type, sdp: message.sdp });
        remoteDescriptionSet = true;
        for (const candidate of earlyCandidates.splice(0)) await peerConnection.addIceCandidate(candidate);
        if (!options.initiator) await sendDescription(peerConnection, signaling, await peerConnection.createAnswer());
      };
      // Signals are handled one after another: a candidate must not overtake the description before it.
      let handling = Promise.resolve();
      cleanups.push(
        signaling.onMessage((raw) => {
          heardFromOtherSide = true;
          handling = handling.then(() => {
            if (++signals > maxSignals) throw new BadSignalError(`more than ${maxSignals} signaling messages before the channel opened`);
            return onSignal(parseSignal(raw));
          }).catch(fail);
        }),
      );

      if (options.initiator) {
        whenOpen(peerConnection.createDataChannel(options.label ?? 'p2pstream', { ordered: true }));
        peerConnection.createOffer().then((offer) => sendDescription(peerConnection, signaling, offer)).catch(fail);
      }
    });
    const remote = await remoteCandidateOf(peerConnection);
    return { channel, peerConnection, remote };
  } catch (error) {
    peerConnection.close();
    throw error;
  } finally {
    for (const cleanup of cleanups) cleanup();
  }

  function on<E>(target: PeerConnection, type: string, listener: (event: E) => void): void {
    const add = target.addEventListener as (type: string, listener: (event: E) => void) => void;
    add.call(target, type, listener);
    cleanups.push(() => target.removeEventListener(type, listener as (...args: never[]) => void));
  }
}

async function sendDescription(peerConnection: PeerConnection, signaling: Signaling, description: { type: string; sdp?: string }): Promise<void> {
  await peerConnection.setLocalDescription(description as { type: 'offer' | 'answer'; sdp: string });
  const local = peerConnection.localDescription!;
  signaling.send({ t: 'description', type: local.type as 'offer' | 'answer', sdp: local.sdp ?? '' });
}
