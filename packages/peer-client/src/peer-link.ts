// The browser entry: a page's links are made here too, and nothing here may reach node:net.
import { attachHalf, detachHalf, type CloseReason, type Connection, type ConnectionLimits, type DialFunction, type PeerHalfHandlers } from '@p2pstream/connection/browser';
import type { ChunkMessage, EndMessage, HeadMessage, MapMessage, RejectMessage, TakeBuffer } from '@p2pstream/wire';
import { sameSession, sessionHex } from '@p2pstream/data/browser';
import { MAX_PENDING_HAVES } from './constants.js';
import { OtherSessionError } from './errors.js';
import { RateMeter } from './rate-meter.js';
import type { Clock } from '@p2pstream/units';

export interface PeerLinkOptions {
  streamId: string;
  /** The publish session this client plays: a peer whose map names another one is not used. */
  session: Uint8Array;
  localAddress: string | undefined;
  /** How a link reaches a peer: `dial` from @p2pstream/connection, or a stand-in with its shape. */
  dial: DialFunction;
  limits: ConnectionLimits;
  clock: Clock;
  keepaliveMs: number;
  fetchTimeoutMs: number;
  /** Window of the link's download rate. */
  rateWindowMs: number;
  /** Symmetric connections: the local server serves the peer over each connection dialed to it. */
  serveOver?: ((connection: Connection) => void) | undefined;
  /** Where a dialed link copies each chunk received (see ConnectionOptions.takeBuffer); unset, a chunk may be a view into a read. */
  takeBuffer?: TakeBuffer | undefined;
  signal?: AbortSignal;
}

/** What a link tells its owner once it is active. */
export interface PeerLinkListener {
  have(link: PeerLink, seq: number): void;
  /** A signed head the peer passed on (not verified yet). */
  head(link: PeerLink, head: HeadMessage): void;
  /** A signed end the peer passed on (not verified yet). */
  end(link: PeerLink, end: EndMessage): void;
  /** A fresh buffer map (from a keepalive re-join). */
  map(link: PeerLink, map: MapMessage): void;
  close(link: PeerLink, reason: CloseReason): void;
}

/** What a peer pushes without being asked, kept in order until the owner listens. */
type Pushed = { t: 'have'; seq: number } | HeadMessage | EndMessage;

/** The fetching half's handlers of a link in the making, and how to hand what they kept to the link once made. */
interface PushRecorder {
  readonly handlers: PeerHalfHandlers<'fetching'>;
  bind(link: PeerLink): void;
}

/** `host:port`, with brackets around an IPv6 host. */
export function peerAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * One connection to a peer that carries the stream — dialed by this client, or dialed by
 * the peer to this one's server and joined back over (a symmetric connection): joined,
 * with the peer's buffer map, its `have`s and signed `head`s and `end` passed on, chunk requests
 * that send `cancel` when abandoned, and a re-join when the connection has been
 * quiet (a keepalive that also refreshes the map).
 */
export class PeerLink {
  /** `host:port` as central listed it: the peer's id for the scheduler and the ban list. */
  readonly address: string;
  readonly connection: Connection;
  /** This client dialed the connection; otherwise the peer did, and this one joined back over it. */
  readonly dialedHere: boolean;
  readonly #options: PeerLinkOptions;
  #map: MapMessage;
  #listener: PeerLinkListener | undefined;
  #pending: Pushed[] = [];
  #lastSentAt: number;
  #keepalive: unknown;
  /** Verified chunk payload bytes received from this peer. */
  bytes = 0;
  /** The rate of those bytes. */
  readonly received: RateMeter;

  private constructor(address: string, connection: Connection, dialedHere: boolean, map: MapMessage, options: PeerLinkOptions) {
    this.address = address;
    this.connection = connection;
    this.dialedHere = dialedHere;
    this.#map = map;
    this.#options = options;
    this.#lastSentAt = options.clock.now();
    this.received = new RateMeter(this.#lastSentAt, options.rateWindowMs);
  }

  /** Counts `bytes` of verified chunk payload from this peer. */
  receivedBytes(bytes: number): void {
    this.bytes += bytes;
    this.received.add(bytes, this.#options.clock.now());
  }

  /** Dials the peer and joins the stream; resolves once its buffer map is here. */
  static async open(host: string, port: number, options: PeerLinkOptions): Promise<PeerLink> {
    const pushes = PeerLink.#pushRecorder();
    const connection = await options.dial(host, port, {
      role: 'peer',
      limits: options.limits,
      clock: options.clock,
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.takeBuffer ? { takeBuffer: options.takeBuffer } : {}),
      handlers: pushes.handlers,
    });
    try {
      // Before the join: a peer that joins back does so once it has answered ours.
      options.serveOver?.(connection);
      return await PeerLink.#join(connection, true, pushes, () => peerAddress(host, port), options);
    } catch (error) {
      await connection.close();
      throw error;
    }
  }

  /**
   * Joins back over a connection the peer dialed to this one's server (a symmetric connection),
   * instead of dialing it a second time. Its address is the one central lists when its map
   * names its listening port, else the connection's own. On failure (an older peer answers
   * `UNHANDLED_REQUEST`) the connection is left as it was: it is the other side's.
   */
  static async adopt(connection: Connection, options: PeerLinkOptions): Promise<PeerLink> {
    const pushes = PeerLink.#pushRecorder();
    attachHalf(connection, 'fetching', pushes.handlers);
    try {
      return await PeerLink.#join(connection, false, pushes, (map) => peerAddress(connection.remoteAddress, map.port ?? connection.remotePort), options);
    } catch (error) {
      detachHalf(connection, 'fetching');
      throw error;
    }
  }

  static async #join(
    connection: Connection,
    dialedHere: boolean,
    pushes: PushRecorder,
    addressOf: (map: MapMessage) => string,
    options: PeerLinkOptions,
  ): Promise<PeerLink> {
    const map = await connection.request(
      { t: 'join', stream: options.streamId },
      { timeout: options.limits.handshakeTimeout, ...(options.signal ? { signal: options.signal } : {}) },
    );
    if (map.stream !== options.streamId) throw new Error(`the peer answered with the map of stream ${map.stream}`);
    if (!sameSession(map.session, options.session)) throw new OtherSessionError(sessionHex(map.session), sessionHex(options.session));
    const link = new PeerLink(addressOf(map), connection, dialedHere, map, options);
    pushes.bind(link);
    return link;
  }

  /** Handlers that keep what the peer pushes until its link exists, then pass it on in order. */
  static #pushRecorder(): PushRecorder {
    let link: PeerLink | undefined;
    const early: Pushed[] = [];
    const record = (pushed: Pushed): void => {
      if (link) link.#deliver(pushed);
      else if (early.length < MAX_PENDING_HAVES) early.push(pushed);
    };
    return {
      handlers: { have: record, head: record, end: record },
      bind: (made) => {
        link = made;
        made.#pending = early;
      },
    };
  }

  /**
   * Stops fetching over the connection without closing it (the other side may still fetch over it): for a link
   * never activated, or one another link to the same peer replaced. Requests in flight still get their answers.
   */
  detach(): void {
    this.#options.clock.clearTimeout(this.#keepalive);
    detachHalf(this.connection, 'fetching');
  }

  /** The buffer map the peer sent last. */
  get map(): MapMessage {
    return this.#map;
  }

  /** The peer says it is the stream's publisher. */
  get source(): boolean {
    return this.#map.source;
  }

  get open(): boolean {
    return this.connection.state === 'open';
  }

  /** Starts passing on `have`, `head`, `end`, fresh maps and the close, beginning with what arrived since the map. */
  activate(listener: PeerLinkListener): void {
    this.#listener = listener;
    for (const pushed of this.#pending.splice(0)) this.#deliver(pushed);
    this.connection.on('close', (reason) => {
      this.#options.clock.clearTimeout(this.#keepalive);
      listener.close(this, reason);
    });
    if (this.connection.state === 'closed') {
      listener.close(this, this.connection.closeReason ?? { code: 'CLOSED', message: 'closed', byRemote: true });
      return;
    }
    this.#armKeepalive();
  }

  /**
   * Asks for chunk `seq`: resolves with the chunk or the peer's `reject`. When `signal` aborts
   * (the scheduler gave the request up: late, timed out, asked elsewhere) the peer is sent
   * `cancel`, which drops an answer still queued there (it answers `CANCELLED`, and this
   * rejects). An answer already sent still arrives and resolves this: its bytes were spent
   * either way, and a chunk that comes before the one asked elsewhere is one less to wait for.
   */
  async fetch(seq: number, signal: AbortSignal): Promise<ChunkMessage | RejectMessage> {
    signal.throwIfAborted();
    const onAbort = () => {
      if (this.open) this.connection.send({ t: 'cancel', seq });
    };
    signal.addEventListener('abort', onAbort, { once: true });
    this.#lastSentAt = this.#options.clock.now();
    try {
      return await this.connection.request({ t: 'request', seq }, { timeout: this.#options.fetchTimeoutMs });
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  close(reason?: { code: string; message: string }): Promise<CloseReason> {
    this.#options.clock.clearTimeout(this.#keepalive);
    return this.connection.close(reason);
  }

  #deliver(pushed: Pushed): void {
    if (!this.#listener) {
      if (this.#pending.length < MAX_PENDING_HAVES) this.#pending.push(pushed);
      return;
    }
    if (pushed.t === 'have') this.#listener.have(this, pushed.seq);
    else if (pushed.t === 'head') this.#listener.head(this, pushed);
    else this.#listener.end(this, pushed);
  }

  #armKeepalive(): void {
    const { clock, keepaliveMs } = this.#options;
    const wait = Math.max(1, this.#lastSentAt + keepaliveMs - clock.now());
    this.#keepalive = clock.setTimeout(() => {
      if (!this.open) return;
      if (clock.now() - this.#lastSentAt >= keepaliveMs) void this.#rejoin();
      this.#armKeepalive();
    }, wait);
  }

  async #rejoin(): Promise<void> {
    this.#lastSentAt = this.#options.clock.now();
    try {
      const map = await this.connection.request({ t: 'join', stream: this.#options.streamId });
      this.#map = map;
      this.#listener?.map(this, map);
    } catch {
      // A peer that cannot answer its own join is closing or failing; its close will be reported.
    }
  }
}
