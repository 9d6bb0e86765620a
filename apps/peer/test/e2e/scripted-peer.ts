import { listen, type Connection, type ConnectionServer } from '@p2pstream/connection';
import { TrackerClient, type LookupResult } from '@p2pstream/tracker-client';
import type { JoinMessage, RequestMessage } from '@p2pstream/wire';

/** What a scripted (lying) peer answers: a `join` and a chunk `request`; it may also watch each connection. */
export interface ScriptedPeer {
  onJoin(message: JoinMessage, connection: Connection): void;
  onRequest(message: RequestMessage, connection: Connection): void;
  onConnection?(connection: Connection): void;
}

export interface ScriptedPeerOptions {
  readonly central: string;
  readonly name: string;
  /** The loopback address it listens and announces from. */
  readonly host: string;
}

/**
 * Starts a scripted peer of stream `name` as an attacker would: looks the stream up at
 * `central`, listens on `host`, builds the peer with `make`, then `announce`s it to
 * central (with whatever lie the script tells). On a failure, closes what it opened.
 */
export async function startScriptedPeer<T extends ScriptedPeer>(
  options: ScriptedPeerOptions,
  make: (tracker: TrackerClient, server: ConnectionServer, stream: LookupResult) => T,
  announce: (peer: T, tracker: TrackerClient, stream: LookupResult, port: number) => Promise<unknown>,
): Promise<T> {
  const tracker = new TrackerClient({ centrals: [options.central], localAddress: options.host });
  let server: ConnectionServer | undefined;
  try {
    const stream = await tracker.lookup(options.name);
    let peer: T | undefined;
    server = await listen({
      host: options.host,
      port: 0,
      role: 'peer',
      handlers: {
        join: (message, connection) => peer?.onJoin(message, connection),
        request: (message, connection) => peer?.onRequest(message, connection),
        cancel: () => undefined,
      },
    });
    const made = make(tracker, server, stream);
    peer = made;
    server.on('connection', (connection) => made.onConnection?.(connection));
    await announce(made, tracker, stream, server.address().port);
    return made;
  } catch (error) {
    await server?.close();
    await tracker.close();
    throw error;
  }
}
