import wrtc from '@roamhq/wrtc';
import { connect, ConnectionServer } from '@p2pstream/connection';
import { createSignalingPair, dataChannelTransport, openDataChannel, type PeerConnectionClass } from '@p2pstream/webrtc';

// Node has no WebRTC of its own; in a browser, leave RTCPeerConnection out and the page's is used.
const RTCPeerConnection = wrtc.RTCPeerConnection as unknown as PeerConnectionClass;

// Both ends of a signaling channel in one process. Between machines, a relay carries the same JSON.
const [viewerSignaling, seedSignaling] = createSignalingPair();

// A seed that answers `list`; it takes data channels as a listening server takes sockets.
const seed = new ConnectionServer({
  role: 'peer',
  handlers: { list: (request, connection) => connection.reply(request, { t: 'streams', streams: [] }) },
});

// The viewer offers, the seed answers; on one host, host candidates are enough (no iceServers).
const [viewerEnd, seedEnd] = await Promise.all([
  openDataChannel({ RTCPeerConnection, signaling: viewerSignaling, initiator: true, timeout: 10_000 }),
  openDataChannel({ RTCPeerConnection, signaling: seedSignaling, initiator: false, timeout: 10_000 }),
]);
seed.accept(
  dataChannelTransport(seedEnd.channel, {
    peerConnection: seedEnd.peerConnection, // closed with the connection
    remoteAddress: seedEnd.remote?.address, // what per-IP limits count
    remotePort: seedEnd.remote?.port,
  }),
);
const connection = await connect(dataChannelTransport(viewerEnd.channel, { peerConnection: viewerEnd.peerConnection }), { role: 'peer' });

const { streams } = await connection.request({ t: 'list' }, { timeout: 5_000 });
console.log(`over WebRTC: ${streams.length} streams on air`);

const reason = await connection.close();
console.log(`closed: ${reason.code}`);
await seed.close();
