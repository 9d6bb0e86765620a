import { ConnectionServer } from '@p2pstream/connection/browser';
import { monotonicClock } from '@p2pstream/units';
import { resolvePeerServerOptions, type PeerServerOptions } from './options.js';
import { PeerServer } from './peer-server.js';

/**
 * A peer server that listens on nothing: it serves the peers handed to `accept()` (data
 * channels a WebRTC answerer opened), under the same limits and upload slots as one that
 * listens. What `startPeerServer({ listen: false })` makes, and all a page can have.
 */
export function acceptingPeerServer(options: Omit<PeerServerOptions, 'listen' | 'host' | 'port' | 'portAttempts'> = {}): PeerServer {
  const resolved = resolvePeerServerOptions(options);
  const clock = options.clock ?? monotonicClock;
  let instance: PeerServer | undefined;
  const handlers = PeerServer.handlers(() => instance!);
  instance = new PeerServer(new ConnectionServer({ role: 'peer', limits: resolved.limits, handlers, clock }), resolved, clock);
  return instance;
}
