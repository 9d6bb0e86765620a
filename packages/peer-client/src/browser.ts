// The parts a browser viewer is built from, for a page bundle (tools/browser-bundle): the
// chunk window and WebCrypto verification, a Connection over a WebRTC data channel, and the
// scheduler. Nothing reachable from here imports node:net, node:fs, node:crypto or node:stream.
// PeerClient itself is not here yet: it plays out through node:stream and spools to files.
export {
  ChunkWindow,
  verifyChunkWebCrypto,
  webCryptoVerifierFor,
  type Chunk,
  type WebCryptoVerifier,
  type ChunkWindowOptions,
  type BufferMap,
} from '@p2pstream/data/browser';
export {
  connect,
  Connection,
  ConnectionServer,
  ConnectionError,
  type ConnectOptions,
  type ServerOptions,
  type Transport,
} from '@p2pstream/connection/browser';
export {
  createSignalingPair,
  dataChannelTransport,
  openDataChannel,
  WebRTCError,
  type OpenDataChannelOptions,
  type Signaling,
} from '@p2pstream/webrtc';
export { Scheduler, rarestFirst, type SchedulerOptions, type FetchChunk, type PeerInfo } from '@p2pstream/scheduler';
