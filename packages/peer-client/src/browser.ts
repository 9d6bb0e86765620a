// The parts a browser viewer is built from, for a page bundle (tools/browser-bundle): the
// chunk window and chunk verification (WebCrypto, or JavaScript without it), a Connection
// over a WebRTC data channel, and the scheduler. Nothing reachable from here imports
// node:net, node:fs, node:crypto or node:stream.
// `watch()` (a BrowserViewer) is the viewer itself, built from those parts and PeerClient's own.
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
export { watch, BrowserViewer, type WatchOptions, type BrowserViewerStats } from './browser-viewer.js';
export { TrackerClient } from '@p2pstream/tracker-client/browser';
