export { TrackerClient } from './tcp-tracker-client.js';
export {
  type TrackerClientOptions,
  type TrackerClientEvents,
  type Publication,
  type Announcement,
  type AnnouncedHead,
  type AnnouncedEnd,
  type AnnounceResult,
  type ViewingReport,
  type LookupResult,
  type LookupOptions,
  type CallOptions,
  type ReceivedSignal,
} from './tracker-client.js';
export { parseCentralAddress, rendezvousOrder, type CentralAddress } from './central-address.js';
export {
  TrackerClientError,
  type TrackerClientErrorCode,
  CentralUnreachableError,
  type CentralAttempt,
  RegistryUnavailableError,
  NameTakenError,
  StreamNotFoundError,
  CentralRefusedError,
} from './errors.js';
