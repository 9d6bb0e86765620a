export * from './constants.js';
export * from './errors.js';
export { PeerServer, startPeerServer, type PeerServerEvents, type PeerServerStats, type PeerUploadStats } from './peer-server.js';
export type { PeerServerOptions } from './options.js';
export type { ServeOptions } from './served-stream.js';
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
