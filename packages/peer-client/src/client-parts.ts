import { startPeerServer, type PeerServer } from '@p2pstream/peer-server';
import { TrackerClient } from '@p2pstream/tracker-client';
import type { PeerClientOptions } from './options.js';
import type { ClientTracker, LocalServer } from './tracker.js';

/**
 * Central and the local peer server as the client uses them, and which of the
 * two it made itself: what it made (from `central`, `listen`) it closes; what
 * it was given (`tracker`, `server`) stays the caller's.
 */
export class ClientParts {
  readonly tracker: ClientTracker;
  readonly #ownTracker: TrackerClient | undefined;
  readonly #listen: PeerClientOptions['listen'];
  readonly #onWarning: (error: Error) => void;
  #server: LocalServer | undefined;
  #ownServer: PeerServer | undefined;
  #closed = false;

  /** Options already checked: exactly one of `central` and `tracker`, at most one of `server` and `listen`. */
  constructor(options: PeerClientOptions, onWarning: (error: Error) => void) {
    this.#onWarning = onWarning;
    this.#listen = options.listen;
    this.#server = options.server;
    if (options.tracker) this.tracker = options.tracker;
    else {
      const central = options.central!;
      const given = typeof central === 'string' ? { centrals: [central] } : 'centrals' in central ? central : { centrals: [...central] };
      const own = new TrackerClient({ ...(options.localAddress ? { localAddress: options.localAddress } : {}), ...given });
      own.on('warning', onWarning);
      this.#ownTracker = own;
      this.tracker = own;
    }
  }

  /** The server chunks are re-shared through: the caller's, the client's own once `startServer` made it, or none. */
  get server(): LocalServer | undefined {
    return this.#server;
  }

  /** With `listen`: starts the client's own peer server (closed at once if the client closed meanwhile). */
  async startServer(): Promise<void> {
    if (!this.#listen || this.#ownServer || this.#closed) return;
    const server = await startPeerServer(this.#listen);
    if (this.#closed) {
      await server.close();
      return;
    }
    server.on('warning', this.#onWarning);
    this.#ownServer = server;
    this.#server = server;
  }

  /** Closes what the client made; leaves what it was given alone. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([this.#ownServer?.close(), this.#ownTracker?.close()]);
  }
}
