import { connect, ConnectionServer, type Connection, type ConnectOptions, type ServerOptions } from '../src/index.js';
import { createMemoryPair, type MemoryPairOptions } from '../src/testing/index.js';
import { onCleanup } from '../../../tools/testing/cleanup.js';
import { RawPeer, track } from './helpers.js';

/** One turn of the event loop: bytes a pair without a clock carries arrive within it (no real time passes). */
export const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A server with no TCP listener, for in-memory pairs handed to `accept()`; closed after the test. */
export function memoryServer(options: Partial<ServerOptions> = {}): ConnectionServer {
  const server = new ConnectionServer({ role: 'peer', ...options });
  onCleanup(() => server.close());
  return server;
}

/** Joins a new in-memory pair to `server` (it accepts one end) and connects over the other as a peer; resolves once both sides are open. */
export async function connectTo(
  server: ConnectionServer,
  options: Partial<ConnectOptions> & { pair?: MemoryPairOptions } = {},
): Promise<Connection> {
  const { pair, ...connectOptions } = options;
  const [mine, theirs] = createMemoryPair(pair);
  const serverSide = server.accept(theirs);
  const connection = track(await connect(mine, { role: 'peer', ...connectOptions }));
  // Both sides open before the test goes on, so the server's next `connection` is the test's next peer.
  await serverSide?.opened;
  return connection;
}

/** A raw peer on a new in-memory pair accepted by `server`. */
export function rawPeerOf(server: ConnectionServer, pair: MemoryPairOptions = {}): RawPeer {
  const [mine, theirs] = createMemoryPair(pair);
  server.accept(theirs);
  return RawPeer.over(mine);
}
