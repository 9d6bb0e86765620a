import type { Connection, Transport } from '@p2pstream/connection';
import type { TrackerClient } from '@p2pstream/tracker-client';
import type { HeldChunks, SignedState } from '@p2pstream/data';

/** What the client needs of central: the subset of `TrackerClient` it calls (tests pass a stand-in). */
export type ClientTracker = Pick<TrackerClient, 'lookup' | 'announce' | 'update' | 'leave'>;

/**
 * The local peer server the client re-shares through (a `PeerServer` from
 * @p2pstream/peer-server fits): the client serves its window there and announces
 * that port at central as a carrier of the stream.
 */
export interface LocalServer {
  readonly port: number;
  serve(streamId: string, window: HeldChunks, options: { state: SignedState }): void;
  unserve(streamId: string): void;
  /** Serves a peer that reached it over another transport: with `webrtc`, each answered data channel. */
  accept?(transport: Transport): void;
  /** Symmetric connections: serves the peer at the other end of a connection this client dialed. */
  serveOver?(connection: Connection): void;
  /** Symmetric connections: the send buffer of the connections it serves, which the client's dialed connections then get too. */
  readonly sendHighWaterBytes?: number;
  /** Symmetric connections: each peer that joins a stream, with the connection it joined over (the client joins back over it). */
  on?(event: 'join', listener: (peer: string, streamId: string, connection: Connection) => void): unknown;
  off?(event: 'join', listener: (peer: string, streamId: string, connection: Connection) => void): unknown;
}
