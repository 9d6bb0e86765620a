export {
  TrackerClient,
  type TrackerClientOptions,
  type TrackerClientEvents,
  type Publication,
  type Announcement,
  type AnnounceResult,
  type LookupResult,
  type LookupOptions,
  type CallOptions,
} from './tracker-client.js';
export type { DialFunction } from './central-session.js';
export { parseCentralAddress, rendezvousOrder, type CentralAddress } from './central-address.js';
export * from './errors.js';
export * from './constants.js';
