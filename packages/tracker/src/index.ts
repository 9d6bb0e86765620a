export {
  startTracker,
  type StartTrackerOptions,
  type RunningTracker,
  type TrackerProblem,
  type WebSocketListenOptions,
} from './start-tracker.js';
export { DialBack, tcpProbe, type DialBackOptions, type DialBackCounters, type ReachabilityProbe } from './dial-back.js';
export { SignalRouter, type SignalRouterOptions, type SignalCounters } from './signal-router.js';
export { CrossCentralSignals, type CrossCentralSignalsOptions, type RemoteDelivery, type RemoteSignal, type SignalPubSub } from './cross-central-signals.js';
export {
  ViewerReports,
  summarizeReports,
  type ViewerReportsOptions,
  type ViewerReport,
  type ViewerQoe,
  type Spread,
  type ReportCounters,
} from './viewer-reports.js';
export { RateLimiter, type RateLimiterOptions } from './rate-limiter.js';
export { memoryRegistry, redisRegistry } from './registries.js';
export { MemoryRegistry, type MemoryRegistryOptions } from './memory-registry.js';
export { RedisRegistry, type RedisRegistryOptions, type RedisStatus } from './redis-registry.js';
export { parseRedisTarget, type RedisTarget } from './redis-connection.js';
export type {
  Registry,
  RegistryCounts,
  StreamSummary,
  PeerAddress,
  PeerRecord,
  PublishRecord,
  PublishOutcome,
  AnnounceRecord,
  LookupCandidates,
  SweepResult,
} from './registry.js';
export {
  Tracker,
  TrackerSession,
  resolveTrackerSettings,
  type TrackerOptions,
  type TrackerSettings,
  type TrackerCounters,
} from './tracker.js';
export type { AddressLimitStore, AddressLimitPolicy, AddressCheck, AddressVerdict } from './address-limits.js';
export { trackerHandlers } from './tracker-handlers.js';
export { TrackerError, type TrackerErrorCode, StateFileError } from './errors.js';
export {
  DEFAULT_PORT,
  DEFAULT_HOST,
  DEFAULT_ANNOUNCE_INTERVAL_MS,
  DEFAULT_INTERVAL_JITTER,
  PEER_TTL_PER_INTERVAL,
  DEFAULT_STREAM_GRACE_MS,
  DEFAULT_MAX_LOOKUP_PEERS,
  DEFAULT_ANNOUNCE_RATE_PER_IP,
  ANNOUNCE_BURST_SECONDS,
  DEFAULT_MAX_STREAMS_PER_IP,
  DEFAULT_MAX_ENTRIES_PER_IP,
  DEFAULT_HEAD_CACHE_AGE_MS,
  DEFAULT_STREAM_QUOTA_WINDOW_MS,
  DEFAULT_TRACKER_MAX_CONNECTIONS,
  DEFAULT_TRACKER_MAX_CONNECTIONS_PER_IP,
  DEFAULT_SIGNAL_RATE_PER_CONNECTION,
  SIGNAL_BURST_SECONDS,
  DEFAULT_REPORT_RATE_PER_CONNECTION,
  DEFAULT_DIAL_BACK_TIMEOUT_MS,
  DEFAULT_MAX_DIAL_BACKS,
  REPORT_BURST_SECONDS,
} from './constants.js';
