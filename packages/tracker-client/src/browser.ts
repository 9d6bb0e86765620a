// What a page takes from @p2pstream/tracker-client: the same client, reaching central only over
// WebSocket (`ws://HOST:PORT/ws`, central --ws). Nothing reachable from here imports node:net or
// node:crypto; node:events is mapped by the bundle (tools/browser-bundle).
export {
  TrackerClient,
  type TrackerClientOptions,
  type TrackerClientEvents,
  type Announcement,
  type AnnounceResult,
  type ViewingReport,
  type LookupResult,
  type LookupOptions,
  type CallOptions,
  type ReceivedSignal,
} from './tracker-client.js';
export { TrackerClientError, type TrackerClientErrorCode, CentralUnreachableError, StreamNotFoundError, CentralRefusedError } from './errors.js';
