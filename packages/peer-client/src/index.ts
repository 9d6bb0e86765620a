export { PeerClient, type PeerClientEvents, type StreamInfo } from './peer-client.js';
export type { PeerClientOptions, SchedulerTuning } from './options.js';
export type { FinishedStoreOptions } from './chunk-spool.js';
export type { ClientTracker, LocalServer } from './tracker.js';
export { peerAddress } from './peer-link.js';
export { WritableSink, type Sink, type WritableSinkOptions } from './sink.js';
export type { PeerReadable, PeerReadableOptions } from './peer-readable.js';
export { VIEWER_SKIP_CAUSES, type ViewerSkipCause, type ViewerStats } from './viewer-stats.js';
export {
  parseStatsLine,
  isViewerStatsLine,
  type StatsLine,
  type ViewerStatsLine,
  type PublisherStatsLine,
} from './stats-line.js';
export type { ChunkState, ClientSnapshot, PeerSnapshot, SnapshotOptions, WindowPicture } from './snapshot.js';
export { RateMeter } from './rate-meter.js';
export { PeerClientError, BadStatsLineError, type PeerClientErrorCode } from './errors.js';
export { newSetupId, trackerSignaling, type SignalEnvelope, type SignalingTracker, type EntryAddress, type TrackerSignaling, type TrackerSignalingOptions } from './tracker-signaling.js';
export { webRTCDial, DEFAULT_WEBRTC_OPEN_TIMEOUT_MS, type WebRTCOptions, type WebRTCDialInit } from './webrtc-dial.js';
export { answerWebRTC, DEFAULT_MAX_WEBRTC_SETUPS, type WebRTCAnswerer, type WebRTCAnswererInit } from './webrtc-answerer.js';
export { DEFAULT_MAX_PEERS, DEFAULT_RELOOKUP_MS, DEFAULT_REDIAL_BACKOFF_MS, DEFAULT_MAX_CHUNK_SKEW_MS, DEFAULT_FINISHED_MS_PER_MIB } from './constants.js';
export { DEFAULT_FINISHED_CHUNK_MS } from './finished-pace.js';
