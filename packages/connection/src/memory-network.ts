import { connect } from './connect.js';
import type { Connection } from './connection.js';
import type { DialOptions } from './dial.js';
import { AddressInUseError, ConnectionRefusedError } from './errors.js';
import { createMemoryPair, type MemoryPairOptions } from './memory-transport.js';
import type { Transport } from './transport.js';

/** Whatever takes the accepting end of a pair: a `ConnectionServer`, a `PeerServer`. */
export interface TransportAcceptor {
  accept(transport: Transport): unknown;
}

export type MemoryNetworkOptions = Omit<MemoryPairOptions, 'first' | 'second'>;

/** The first local port a dial is given, as an OS would hand out ephemeral ports. */
const FIRST_EPHEMERAL_PORT = 49_152;

/**
 * Addresses in one process: servers are reachable at the `host:port` they were
 * put at, and `dial` — the shape of `dial()` from this package, so it can be
 * handed to anything that takes one (a `PeerClient`'s `dial` option) — joins a
 * new in-memory pair to the server there and connects over it. Nothing there
 * means `CONNECTION_REFUSED`, as on TCP. Every pair gets the network's options
 * (a clock and latency, a high-water mark).
 */
export class MemoryNetwork {
  readonly #options: MemoryNetworkOptions;
  readonly #servers = new Map<string, TransportAcceptor>();
  #nextPort = FIRST_EPHEMERAL_PORT;

  constructor(options: MemoryNetworkOptions = {}) {
    this.#options = options;
  }

  /** Makes `server` reachable at `host:port` (`ADDRESS_IN_USE` if something is there); returns how to take it away again. */
  listen(host: string, port: number, server: TransportAcceptor): () => void {
    const key = `${host}:${port}`;
    if (this.#servers.has(key)) throw new AddressInUseError(host, port);
    this.#servers.set(key, server);
    return () => {
      if (this.#servers.get(key) === server) this.#servers.delete(key);
    };
  }

  /** Connects to the server at `host:port` from `options.localAddress` (default 127.0.0.1), as `dial()` would over TCP. */
  readonly dial = async (host: string, port: number, options: DialOptions): Promise<Connection> => {
    const { localAddress, ...connectOptions } = options;
    connectOptions.signal?.throwIfAborted();
    const server = this.#servers.get(`${host}:${port}`);
    if (!server) throw new ConnectionRefusedError(host, port);
    const [mine, theirs] = createMemoryPair({
      ...this.#options,
      first: { address: localAddress ?? '127.0.0.1', port: this.#nextPort++ },
      second: { address: host, port },
    });
    server.accept(theirs);
    return connect(mine, connectOptions);
  };
}
