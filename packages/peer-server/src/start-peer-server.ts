import { AddressInUseError, listen, type ConnectionServer } from '@p2pstream/connection';
import { monotonicClock } from '@p2pstream/units';
import { acceptingPeerServer } from './accepting-peer-server.js';
import { ListenFailedError, NoFreePortError } from './errors.js';
import { resolvePeerServerOptions, type PeerServerOptions } from './options.js';
import { PeerServer } from './peer-server.js';

/**
 * Starts a peer server. When the port is taken it tries the next ones
 * (`portAttempts`); `server.port` says where it listens and `requestedPort`
 * what was asked for, so an app can tell the user.
 */
export async function startPeerServer(options: PeerServerOptions = {}): Promise<PeerServer> {
  const resolved = resolvePeerServerOptions(options);
  const clock = options.clock ?? monotonicClock;
  const { host, port: first, portAttempts } = resolved;
  if (options.listen === false) {
    options.signal?.throwIfAborted();
    return closedOnAbort(acceptingPeerServer(options), options.signal);
  }
  let instance: PeerServer | undefined;
  const handlers = PeerServer.handlers(() => instance!);
  const last = first === 0 ? 0 : Math.min(65535, first + portAttempts - 1);
  for (let port = first; port <= last; port++) {
    let server: ConnectionServer;
    try {
      server = await listen({
        host,
        port,
        role: 'peer',
        limits: resolved.limits,
        handlers,
        clock,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      if (error instanceof AddressInUseError && port < last) continue;
      if (error instanceof AddressInUseError) throw new NoFreePortError(host, first, last, { cause: error });
      throw new ListenFailedError(host, port, { cause: error });
    }
    instance = new PeerServer(server, resolved, clock);
    return closedOnAbort(instance, options.signal);
  }
  throw new NoFreePortError(host, first, last);
}

function closedOnAbort(server: PeerServer, signal: AbortSignal | undefined): PeerServer {
  signal?.addEventListener('abort', () => void server.close(), { once: true });
  return server;
}
