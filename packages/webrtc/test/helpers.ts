import wrtc from '@roamhq/wrtc';
import { onCleanup } from '../../../tools/testing/cleanup.js';
import {
  createSignalingPair,
  dataChannelTransport,
  openDataChannel,
  type DataChannelTransport,
  type DataChannelTransportOptions,
  type OpenedDataChannel,
  type PeerConnectionClass,
} from '../src/index.js';

/** Node's WebRTC for the tests: a real peer connection over loopback. */
export const RTCPeerConnection = wrtc.RTCPeerConnection as unknown as PeerConnectionClass;

/** Two data channels opened to each other over in-process signaling; their peer connections are closed after the test. */
export async function openChannelPair(): Promise<[OpenedDataChannel, OpenedDataChannel]> {
  const [initiatorSignaling, answererSignaling] = createSignalingPair();
  const opened = await Promise.all([
    openDataChannel({ RTCPeerConnection, signaling: initiatorSignaling, initiator: true, timeout: 10_000 }),
    openDataChannel({ RTCPeerConnection, signaling: answererSignaling, initiator: false, timeout: 10_000 }),
  ]);
  for (const { peerConnection } of opened) onCleanup(() => peerConnection.close());
  return opened;
}

/** Two joined data-channel transports: the first is the initiator's end. */
export async function openTransportPair(options: DataChannelTransportOptions = {}): Promise<[DataChannelTransport, DataChannelTransport]> {
  const [a, b] = await openChannelPair();
  const transports: [DataChannelTransport, DataChannelTransport] = [
    dataChannelTransport(a.channel, { ...options, peerConnection: a.peerConnection, remoteAddress: a.remote?.address, remotePort: a.remote?.port }),
    dataChannelTransport(b.channel, { ...options, peerConnection: b.peerConnection, remoteAddress: b.remote?.address, remotePort: b.remote?.port }),
  ];
  for (const transport of transports) track(transport);
  return transports;
}

/** Resolves once `condition` holds; checks every 5 ms for at most `ms`. */
export async function waitUntil(condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Every byte a transport reads, and whether it ended. */
export function collect(transport: DataChannelTransport): { bytes: () => Buffer; ended: Promise<void> } {
  const parts: Buffer[] = [];
  transport.on('data', (data) => parts.push(data));
  const ended = new Promise<void>((resolve) => transport.once('end', resolve));
  return { bytes: () => Buffer.concat(parts), ended };
}

/** Destroys the transport after the test, before its peer connection closes (which it would report as a lost channel). */
export function track(transport: DataChannelTransport): DataChannelTransport {
  onCleanup(() => transport.destroy());
  return transport;
}
