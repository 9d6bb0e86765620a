export * from './constants.js';
export * from './errors.js';
export { PeerClient, type PeerClientEvents, type StreamInfo } from './peer-client.js';
export type { PeerClientOptions, SchedulerTuning } from './options.js';
export type { ClientTracker, LocalServer } from './tracker.js';
export { peerAddress, type DialFunction } from './peer-link.js';
export { WritableSink, type Sink, type WritableSinkOptions } from './sink.js';
export type { ViewerStats } from './viewer-stats.js';
