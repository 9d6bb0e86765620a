export { PeerServer, type PeerServerEvents, type PeerServerStats, type PeerUploadStats } from './peer-server.js';
export { startPeerServer } from './start-peer-server.js';
export { acceptingPeerServer } from './accepting-peer-server.js';
export type { PeerServerOptions } from './options.js';
export type { ServeOptions, ServedState } from './served-stream.js';
export { GridClock } from './grid-clock.js';
export { UploadSlots, type UploadSlotsOptions } from './upload-slots.js';
export {
  Publisher,
  type PublisherOptions,
  type PublisherEvents,
  type PublisherStats,
  type PublisherTracker,
  type PublisherServer,
} from './publisher.js';
export { PeerServerError, type PeerServerErrorCode } from './errors.js';
export {
  DEFAULT_PEER_PORT,
  DEFAULT_PEER_HOST,
  DEFAULT_UPLOAD_SLOTS,
  DEFAULT_MAX_PEERS_PER_STREAM,
  DEFAULT_MAX_QUEUED_PER_PEER,
  DEFAULT_MAX_QUEUE_DELAY_MS,
  DEFAULT_SUPER_SEED_MS,
  CHUNK_ANSWER_OVERHEAD_BYTES,
} from './constants.js';
