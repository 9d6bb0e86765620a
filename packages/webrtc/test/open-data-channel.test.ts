import { describe, expect, it } from 'vitest';
import { createSignalingPair, openDataChannel, type PeerConnection, type PeerConnectionClass, type Signaling } from '../src/index.js';
import { RTCPeerConnection } from './helpers.js';

/** The RTCPeerConnection class, recording every instance so a test can see each was closed. */
function recordingPeerConnections(): { RTCPeerConnection: PeerConnectionClass; made: PeerConnection[] } {
  const made: PeerConnection[] = [];
  const Recording = function (configuration: ConstructorParameters<PeerConnectionClass>[0]) {
    const peerConnection = new RTCPeerConnection(configuration);
    made.push(peerConnection);
    return peerConnection;
  } as unknown as PeerConnectionClass;
  return { RTCPeerConnection: Recording, made };
}

/** A signaling channel whose other side is never there. */
const silence: Signaling = { send: () => undefined, onMessage: () => () => undefined };

describe('opening a data channel', () => {
  it('rejects with SIGNALING_TIMEOUT when the other side never answers, and closes its peer connection', async () => {
    const recording = recordingPeerConnections();
    const opening = openDataChannel({ RTCPeerConnection: recording.RTCPeerConnection, signaling: silence, initiator: true, timeout: 200 });
    await expect(opening).rejects.toMatchObject({ code: 'SIGNALING_TIMEOUT', name: 'OpenTimeoutError' });
    expect(recording.made.map((peerConnection) => peerConnection.connectionState)).toEqual(['closed']);
  });

  it('rejects a signaling message that is not one of its own with BAD_SIGNAL, and closes its peer connection', async () => {
    const recording = recordingPeerConnections();
    const [ours, theirs] = createSignalingPair();
    const opening = openDataChannel({ RTCPeerConnection: recording.RTCPeerConnection, signaling: ours, initiator: false, timeout: 5_000 });
    theirs.send({ t: 'description', type: 'offer', sdp: 'x'.repeat(20_000) });
    await expect(opening).rejects.toMatchObject({ code: 'BAD_SIGNAL' });
    expect(recording.made.map((peerConnection) => peerConnection.connectionState)).toEqual(['closed']);
  });

  it('rejects with the signal reason when aborted', async () => {
    const controller = new AbortController();
    const opening = openDataChannel({ RTCPeerConnection, signaling: silence, initiator: true, signal: controller.signal });
    controller.abort(new Error('the viewer left'));
    await expect(opening).rejects.toThrow('the viewer left');
  });

  it('says what to install when there is no RTCPeerConnection', async () => {
    await expect(openDataChannel({ signaling: silence, initiator: true })).rejects.toMatchObject({ code: 'NO_WEBRTC', message: expect.stringContaining('@roamhq/wrtc') });
  });
});
