import { EventEmitter } from 'node:events';
import {
  ConnectionError,
  RemoteError,
  webSocketDial,
  type CloseReason,
  type Connection,
  type DialFunction,
  type WebSocketConstructor,
} from '@p2pstream/connection/browser';
import { MAX_SIGNAL_BYTES, type PeerEntry, type SignaledMessage, type StreamEntry } from '@p2pstream/wire';
import { parseCentralAddress, rendezvousOrder, type CentralAddress } from './central-address.js';
import { CentralSession, type ConnectCause } from './central-session.js';
import {
  ANNOUNCE_JITTER,
  BACKOFF_JITTER,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_LOOKUP_COUNT,
  DEFAULT_MAX_BACKOFF_MS,
  DEFAULT_MIN_BACKOFF_MS,
  DEFAULT_REGISTRY_RETRY_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_RETURN_INTERVAL_MS,
  LEAVE_ON_CLOSE_TIMEOUT_MS,
  LOOP_RETRY_SPREAD,
  UNKNOWN_STREAM_QUICK_RETRIES,
} from './constants.js';
import { ClientClosedError, InvalidArgumentError, refusalError, StreamNotFoundError, TrackerClientError } from './errors.js';
import { monotonicClock, type Clock } from '@p2pstream/units';

/** For waiting on a promise whatever its outcome (its own caller handles that). */
const settled = (): void => undefined;

export interface TrackerClientOptions {
  /**
   * Centrals as `host:port` (TCP) or `ws://host:port/ws` (central's WebSocket endpoint,
   * `--ws`: for a browser); the client uses one at a time and fails over along the list.
   */
  centrals: readonly string[];
  /**
   * `spread`: each client prefers the central with the highest rendezvous hash of
   * (`affinity`, central), so clients spread evenly over the list; `listed`: the
   * first central is preferred, then the next (standby failover).
   * @default 'spread'
   */
  centralOrder?: 'spread' | 'listed';
  /**
   * What `spread` hashes: clients with the same affinity prefer the same central.
   * @default a random token per client
   */
  affinity?: string;
  /**
   * While connected to a central other than the preferred one, the preferred one is tried this often; the client moves back when it answers.
   * @default 30_000
   */
  returnInterval?: number;
  /** Local address to connect from (e.g. `127.0.0.3`): central records the address it sees. */
  localAddress?: string;
  /** @default 3_000 */
  connectTimeout?: number;
  /** @default 5_000 */
  requestTimeout?: number;
  /**
   * First pause before reaching a central again after a loss; doubled per failure.
   * @default 250
   */
  minBackoff?: number;
  /**
   * Longest pause between attempts; also never longer than the shortest announce interval central gave.
   * @default 10_000
   */
  maxBackoff?: number;
  /**
   * A request every central answers with REGISTRY_UNAVAILABLE (central runs, its
   * Redis is down) is tried again with backoff for this long, then rejects with
   * `RegistryUnavailableError`.
   * @default 10_000
   */
  registryRetryTimeout?: number;
  /**
   * How `host:port` centrals are dialed.
   * @default dial from @p2pstream/connection (TCP); none in the `./browser` entry, which takes only `ws://` centrals
   */
  dial?: DialFunction;
  /**
   * The WebSocket class for `ws://` centrals: `WebSocket` from the `ws` package in Node 20.
   * @default globalThis.WebSocket (browsers, Node 22+)
   */
  WebSocket?: WebSocketConstructor;
  /** Timers for the announce and reconnect loops. @default monotonicClock from @p2pstream/connection */
  clock?: Clock;
  /** Wall clock for publish timestamps. @default Date.now */
  now?: () => number;
  /** @default Math.random */
  random?: () => number;
}

/** What `publish` needs. The private key stays with the caller: `sign` is called for every (re-)publish. */
export interface Publication {
  name: string;
  /** The raw 32-byte Ed25519 public key; the stream id is its hex. */
  publicKey: Uint8Array;
  live: boolean;
  /** The session this publish starts (8 random bytes, `newSession()` from @p2pstream/data); it stays the same on every re-publish. */
  session: Uint8Array;
  /** Signs a publish of `name` in `session` at `ts` — e.g. `(ts) => signPublish(key, name, ts, session)` from @p2pstream/data. */
  sign(ts: number): Uint8Array | Promise<Uint8Array>;
  /**
   * Ask central for the URL of its watch page of the stream (`watchPage(stream)` then has it).
   * Needs a central that knows the question (one that relays signals does): an older one refuses the publish.
   * @default false
   */
  askWatchPage?: boolean;
}

/** What a peer tells central about one stream it serves. */
export interface Announcement {
  /** Stream id (64 hex). */
  stream: string;
  /** The port this peer's server listens on; central pairs it with the address it sees. */
  port: number;
  /** @default 0 */
  edge?: number;
  /** @default true */
  live?: boolean;
  /**
   * This entry takes signaling (`signal` events: WebRTC offers and answers) from other
   * entries of the stream. Needs a central that relays signals (an older one refuses the announce).
   * @default false
   */
  signals?: boolean;
  /**
   * This entry listens on no port (a watch page): other peers reach it only through signals,
   * and `port` only names it, so central does not dial it back. Needs a central that knows
   * the key (the one that served the page does).
   * @default false
   */
  signalsOnly?: boolean;
  /**
   * The publisher's newest signed head (`signHead` from @p2pstream/data): central
   * believes every edge of the stream only as far as one. With it, the edge
   * announced is the head's. Only the publisher has one to give.
   */
  head?: AnnouncedHead;
  /** The publisher's signed end (`signEnd`), once the stream ended: central marks it finished. */
  end?: AnnouncedEnd;
}

/** A signed head as central takes it: `edge` chunks cut by the publisher's time `ts`, signed in the session. */
export interface AnnouncedHead {
  readonly edge: number;
  readonly ts: number;
  readonly sig: Uint8Array;
}

/** A signed end as central takes it: the stream ended with `edge` chunks. */
export interface AnnouncedEnd {
  readonly edge: number;
  readonly sig: Uint8Array;
}

type AnnouncedValues = Required<Omit<Announcement, 'head' | 'end' | 'signals' | 'signalsOnly'>> & Pick<Announcement, 'head' | 'end' | 'signals' | 'signalsOnly'>;

/** How watching one stream goes, as totals since the viewer started (what the watch pages report). */
export interface ViewingReport {
  /** Chunks played, and skipped because they came too late or never. */
  played: number;
  skipped: number;
  /** Milliseconds behind the publisher's clock of the chunk played last; left out before one was played. */
  lagMs?: number;
  /** Bytes received from other peers and from the publisher, and bytes uploaded to peers. */
  bytesFromPeers: number;
  bytesFromPublisher: number;
  bytesUploaded: number;
}

export interface AnnounceResult {
  /** When central wants the next announce (ms). */
  readonly interval: number;
  /** How long central keeps the entry without one (ms). */
  readonly ttl: number;
  /** The host central lists the entry under: told only to a `signalsOnly` entry (a watch page), by a central that knows it. */
  readonly host?: string;
}

export interface LookupResult {
  readonly name: string;
  readonly stream: string;
  readonly live: boolean;
  readonly edge: number;
  /** The session of the publish central accepted last: the only one whose chunks a viewer should take. */
  readonly session: Uint8Array;
  readonly peers: readonly PeerEntry[];
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface LookupOptions extends CallOptions {
  /** Peers wanted, 1–50. @default 50 */
  count?: number;
  /**
   * Asks central to say of each peer whether it dialed it back (`reachable`): one it could
   * not is behind a NAT, to be met over WebRTC. A central built before it refuses the look-up.
   * @default false
   */
  reachability?: boolean;
}

export interface TrackerClientEvents {
  /** A connection to a central is open. */
  connected: [central: string];
  /** The connection to a central was lost; the client reconnects when it has something to keep announced. */
  disconnected: [central: string, reason: CloseReason];
  /** A stream was (re-)announced, by `announce` or the loop. */
  announced: [stream: string, result: AnnounceResult];
  /** Another entry of `stream` sent this peer's entry a signaling payload (it announced with `signals: true`). */
  signal: [signal: ReceivedSignal];
  /** Something failed in the background (a re-announce, a re-publish, a reconnect); the loop goes on. */
  warning: [error: Error];
}

/** A signaling payload central relayed from another entry of a stream. */
export interface ReceivedSignal {
  readonly stream: string;
  /** The sender's entry, as look-ups list it: answer with `signal(stream, from, …)`. */
  readonly from: { readonly host: string; readonly port: number };
  /** Opaque bytes (e.g. offer/answer/candidate JSON as UTF-8), at most 24 KiB. */
  readonly data: Uint8Array;
}

interface Loop {
  values: AnnouncedValues;
  timer: unknown;
  failures: number;
}

/**
 * The peer's side of the tracker protocol. It keeps every announced stream
 * announced (at the interval central hands out, slightly early and jittered),
 * fails over along the list of centrals, reconnects with jittered backoff,
 * retries requests with backoff while central's registry is down, and after a
 * reconnect publishes and announces everything again (at most once per
 * interval) — so a restarted central knows this peer again within one interval.
 */
export class TrackerClient extends EventEmitter<TrackerClientEvents> {
  readonly #session: CentralSession;
  readonly #clock: Clock;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #minBackoff: number;
  readonly #maxBackoff: number;
  /** What this client published, and the connection central accepted it on (a new connection's central may not know it). */
  readonly #published = new Map<string, { publication: Publication; lastTs: number; on: Connection | undefined; watchPage: string | undefined }>();
  /** The publish of each stream under way, by stream id (see #publishOnce). */
  readonly #publishing = new Map<string, Promise<string>>();
  readonly #loops = new Map<string, Loop>();
  #shortestInterval = Infinity;
  #reconnectTimer: unknown;
  #returnTimer: unknown;
  readonly #returnInterval: number;
  #reconnectFailures = 0;
  /** When everything was last published and announced again after a reconnect (on `clock`). */
  #lastResyncAt = -Infinity;
  #resyncing = false;
  #everConnected = false;
  #closed = false;

  constructor(options: TrackerClientOptions) {
    super();
    if (options.centrals.length === 0) throw new InvalidArgumentError('give at least one central as host:port (e.g. 127.0.0.1:2045)');
    this.#clock = options.clock ?? monotonicClock;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#minBackoff = options.minBackoff ?? DEFAULT_MIN_BACKOFF_MS;
    this.#maxBackoff = options.maxBackoff ?? DEFAULT_MAX_BACKOFF_MS;
    this.#returnInterval = options.returnInterval ?? DEFAULT_RETURN_INTERVAL_MS;
    const listed = options.centrals.map(parseCentralAddress);
    const affinity = options.affinity ?? Math.floor(this.#random() * 2 ** 48).toString(36);
    const dial = options.dial;
    const tcp = listed.find((central) => !central.webSocket);
    if (tcp && !dial) {
      throw new InvalidArgumentError(`central ${tcp.label} is a TCP address, which a page cannot open: give central's WebSocket address (ws://HOST:PORT/ws, central --ws)`);
    }
    const webSocketDials = new Map<string, DialFunction>();
    // Built when first needed: a client with only TCP centrals needs no WebSocket class.
    const dialFor = (central: CentralAddress): DialFunction => {
      if (!central.webSocket) return dial!;
      let dialer = webSocketDials.get(central.label);
      if (!dialer) webSocketDials.set(central.label, (dialer = webSocketDial({ ...central.webSocket, ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}) })));
      return dialer;
    };
    this.#session = new CentralSession({
      centrals: (options.centralOrder ?? 'spread') === 'listed' ? listed : rendezvousOrder(listed, affinity),
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      connectTimeout: options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS,
      requestTimeout: options.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT_MS,
      dialFor,
      handlers: { signaled: (message) => this.#onSignaled(message) },
      clock: this.#clock,
      registryRetryTimeout: options.registryRetryTimeout ?? DEFAULT_REGISTRY_RETRY_TIMEOUT_MS,
      backoff: (failures) => this.#backoff(failures),
      onConnected: (central, cause) => this.#onConnected(central, cause),
      onDisconnected: (central, reason) => this.#onDisconnected(central, reason),
    });
  }

  /** The central currently connected to, as `host:port`. */
  get central(): string | undefined {
    return this.#session.central;
  }

  /**
   * Central's watch page of a stream this client published with `askWatchPage`, as central
   * answered the last publish (`http://HOST:PORT/watch/NAME`); undefined when central serves none.
   */
  watchPage(stream: string): string | undefined {
    return this.#published.get(stream)?.watchPage;
  }

  /** Streams being kept announced. */
  get announced(): readonly string[] {
    return [...this.#loops.keys()];
  }

  /**
   * Binds `name` to the key at central (signed with the current time) and
   * resolves with the stream id. It is published again after every reconnect.
   * Rejects with NAME_TAKEN when another key holds the name.
   */
  async publish(publication: Publication, options: CallOptions = {}): Promise<string> {
    return this.#publishOnce(publication, options.signal);
  }

  /**
   * Announces now, then keeps the stream announced until `leave` or `close`.
   * Announcing a stream again updates its port, edge and live flag. Rejects
   * (and keeps nothing, unless the stream was already announced) when central
   * refuses it, e.g. STREAM_NOT_FOUND before the stream is published.
   */
  async announce(announcement: Announcement, options: CallOptions = {}): Promise<AnnounceResult> {
    this.#assertOpen();
    const values = { edge: 0, live: true, ...announcement };
    const existing = this.#loops.get(values.stream);
    const loop: Loop = existing ?? { values, timer: undefined, failures: 0 };
    loop.values = values;
    try {
      return await this.#announceNow(loop, options.signal);
    } catch (error) {
      if (!existing) this.#stopLoop(values.stream);
      throw error;
    }
  }

  /** Changes what the next re-announce of a stream says (no request now). */
  update(stream: string, changes: Partial<Pick<Announcement, 'edge' | 'live' | 'head' | 'end'>>): void {
    const loop = this.#loops.get(stream);
    if (loop) loop.values = { ...loop.values, ...changes };
  }

  async lookup(name: string, options: LookupOptions = {}): Promise<LookupResult> {
    this.#assertOpen();
    const count = options.count ?? DEFAULT_LOOKUP_COUNT;
    const reply = await this.#session.request({ t: 'lookup', name, count, ...(options.reachability ? { reachability: true } : {}) }, options.signal);
    return { name: reply.name, stream: reply.stream, live: reply.live, edge: reply.edge, session: reply.session, peers: reply.peers };
  }

  async list(options: CallOptions = {}): Promise<StreamEntry[]> {
    this.#assertOpen();
    return (await this.#session.request({ t: 'list' }, options.signal)).streams;
  }

  /**
   * Stops announcing the stream and removes this peer's entry at central. When
   * the connection that announced it is gone (or goes while leaving), there is
   * nothing to remove: the entry expires on its own within the TTL.
   */
  async leave(stream: string, options: CallOptions = {}): Promise<void> {
    this.#assertOpen();
    const wasAnnounced = this.#stopLoop(stream);
    const connection = this.#session.connection;
    if (!wasAnnounced || !connection) return;
    try {
      await connection.request({ t: 'leave', stream }, { signal: options.signal });
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (error instanceof RemoteError) throw refusalError(error.remoteCode, error.remoteMessage, error);
      if (!(error instanceof ConnectionError)) throw error;
    }
  }

  /**
   * Sends `data` to the entry `to` of `stream` through central, which hands it to the
   * connection that announced that entry (it receives a `signal` event naming this
   * peer's entry). This peer must have announced the stream (central believes the
   * sender is the entry its connection announced); `data` is 1 B to 24 KiB (`INVALID_ARGUMENT`
   * otherwise). Rejects with `CentralRefusedError`:
   * `SIGNAL_TARGET_GONE` (no such entry at this central), `SIGNALS_NOT_ACCEPTED`,
   * `SIGNAL_TOO_LARGE`, `NOT_ANNOUNCED` or `RATE_LIMITED`. Not retried: signaling is
   * for a peer that is there now, and the WebRTC layer above decides what to try next.
   */
  async signal(stream: string, to: { host: string; port: number }, data: Uint8Array, options: CallOptions = {}): Promise<void> {
    this.#assertOpen();
    if (!this.#loops.has(stream)) {
      throw new InvalidArgumentError(`announce stream ${stream} before signaling its peers: central relays only between entries it knows`);
    }
    // Central would close the connection over a payload the wire refuses: say so here instead.
    if (data.length < 1 || data.length > MAX_SIGNAL_BYTES) {
      throw new InvalidArgumentError(`a signal carries 1 to ${MAX_SIGNAL_BYTES} bytes, not ${data.length}`);
    }
    try {
      // Reconnects if the connection was lost; until the loop has announced again on it, central answers NOT_ANNOUNCED.
      const connection = await this.#session.connect(options.signal);
      await connection.request({ t: 'signal', stream, host: to.host, port: to.port, data }, { signal: options.signal });
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (error instanceof RemoteError) throw refusalError(error.remoteCode, error.remoteMessage, error);
      throw error;
    }
  }

  /**
   * Tells central how watching `stream` goes, for its status page and metrics. Every count
   * is a whole number from 0 (`INVALID_ARGUMENT` otherwise: central would close the connection
   * over it). Sent only on a connection that is open now: a lost report costs nothing, the
   * next one carries the totals. Rejects with `CentralRefusedError` (`NOT_ANNOUNCED` until the
   * stream is announced on this connection, `RATE_LIMITED` past central's `--report-rate`).
   */
  async report(stream: string, report: ViewingReport, options: CallOptions = {}): Promise<void> {
    this.#assertOpen();
    const { played, skipped, lagMs, bytesFromPeers: fromPeers, bytesFromPublisher: fromPublisher, bytesUploaded: uploaded } = report;
    const counts = { played, skipped, fromPeers, fromPublisher, uploaded, ...(lagMs === undefined ? {} : { lag: lagMs }) };
    for (const [field, value] of Object.entries(counts)) {
      if (!Number.isSafeInteger(value) || value < 0) throw new InvalidArgumentError(`a report's ${field} is a whole number from 0, not ${value}`);
    }
    const connection = this.#session.connection;
    if (!connection) return;
    try {
      await connection.request({ t: 'report', stream, ...counts }, { signal: options.signal });
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (error instanceof RemoteError) throw refusalError(error.remoteCode, error.remoteMessage, error);
      throw error;
    }
  }

  /** Leaves every stream (briefly, best effort), stops every loop and closes the connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    const streams = [...this.#loops.keys()];
    for (const stream of streams) this.#stopLoop(stream);
    this.#closed = true;
    this.#clock.clearTimeout(this.#reconnectTimer);
    this.#clock.clearTimeout(this.#returnTimer);
    const connection = this.#session.connection;
    if (connection) {
      const signal = AbortSignal.timeout(LEAVE_ON_CLOSE_TIMEOUT_MS);
      await Promise.allSettled(streams.map((stream) => connection.request({ t: 'leave', stream }, { signal })));
    }
    await this.#session.close();
  }

  /**
   * One publish of a stream at a time (a resync after a reconnect and an announce
   * loop may both want one): two at once would sign the same timestamp, and
   * central refuses the second as a replay and closes the connection.
   * `background`: sent by a loop or a resync, which back off on their own, so a
   * registry outage is not retried here too.
   */
  #publishOnce(publication: Publication, signal: AbortSignal | undefined, background = false): Promise<string> {
    const stream = streamIdOf(publication.publicKey);
    const previous = this.#publishing.get(stream) ?? Promise.resolve();
    const publish = previous.then(settled, settled).then(() => this.#sendPublish(stream, publication, signal, background));
    this.#publishing.set(stream, publish);
    const forget = () => {
      if (this.#publishing.get(stream) === publish) this.#publishing.delete(stream);
    };
    publish.then(forget, forget);
    return publish;
  }

  async #sendPublish(stream: string, publication: Publication, signal: AbortSignal | undefined, background: boolean): Promise<string> {
    this.#assertOpen();
    const lastTs = this.#published.get(stream)?.lastTs ?? 0;
    // Central refuses a timestamp not newer than the last it accepted for the key (a replay).
    const ts = Math.max(Math.floor(this.#now()), lastTs + 1);
    const sig = await publication.sign(ts);
    const { name, publicKey: key, live, session } = publication;
    // `pages` only ever as true: a central built before it refuses the key.
    const pages = publication.askWatchPage ? { pages: true } : {};
    const reply = await this.#session.request({ t: 'publish', name, key, ts, live, session, sig, ...pages }, signal, !background);
    this.#published.set(reply.stream, { publication, lastTs: ts, on: this.#session.connection, watchPage: reply.watch });
    return reply.stream;
  }

  async #announceNow(loop: Loop, signal?: AbortSignal, background = false): Promise<AnnounceResult> {
    this.#clock.clearTimeout(loop.timer);
    this.#loops.set(loop.values.stream, loop);
    try {
      const { interval, ttl, host } = await this.#sendAnnounce(loop.values, signal, background);
      loop.failures = 0;
      this.#reconnectFailures = 0;
      this.#shortestInterval = Math.min(this.#shortestInterval, interval);
      this.#schedule(loop, interval * (1 - ANNOUNCE_JITTER * this.#random()));
      const result = { interval, ttl, ...(host === undefined ? {} : { host }) };
      this.emit('announced', loop.values.stream, result);
      return result;
    } catch (error) {
      loop.failures += 1;
      this.#schedule(loop, this.#retryDelay(loop.failures, error));
      throw error;
    }
  }

  async #sendAnnounce(values: AnnouncedValues, signal: AbortSignal | undefined, background: boolean) {
    const message = announceMessage(values);
    const { stream } = values;
    // A publish of this stream under way (a resync's) may be all this connection lacks: wait for it first.
    await this.#publishing.get(stream)?.catch(settled);
    const published = this.#published.get(stream);
    // A connection that replaced a live one was told nothing: its central may not know what this client published.
    if (published && published.on !== this.#session.connection) {
      await this.#publishOnce(published.publication, signal, background);
    }
    try {
      return await this.#session.request(message, signal, !background);
    } catch (error) {
      if (!(error instanceof StreamNotFoundError) || !published) throw error;
      // Central forgot the name (it or its Redis restarted) and could not restore it: publish again first.
      await this.#publishOnce(published.publication, signal, background);
      return await this.#session.request(message, signal, !background);
    }
  }

  #schedule(loop: Loop, delay: number): void {
    if (this.#closed || this.#loops.get(loop.values.stream) !== loop) return;
    this.#clock.clearTimeout(loop.timer);
    loop.timer = this.#clock.setTimeout(() => {
      this.#announceNow(loop, undefined, true).catch((error: unknown) => this.#warn(error));
    }, delay);
  }

  #stopLoop(stream: string): boolean {
    const loop = this.#loops.get(stream);
    if (!loop) return false;
    this.#clock.clearTimeout(loop.timer);
    this.#loops.delete(stream);
    return true;
  }

  /**
   * After a reconnect: publish, then announce, everything again (a restarted
   * central knew nothing) — at most once per interval, so a client that keeps
   * reconnecting (a central whose Redis is down) does not resend everything
   * each time; the announce loops keep their own schedule meanwhile. Only
   * after a loss: a connection that replaced a live one (a hop because the
   * registry was down, a move back to the preferred central) goes to a central
   * that usually shares the registry, so it has the same data or the same
   * outage, and the loops' next announces, due within an interval, tell it
   * whatever it lacks.
   */
  #onConnected(central: string, cause: ConnectCause): void {
    this.#clock.clearTimeout(this.#reconnectTimer);
    this.emit('connected', central);
    this.#scheduleReturn();
    // On the first connection the call that opened it sends what there is to send.
    const first = !this.#everConnected;
    this.#everConnected = true;
    if (first || cause !== 'dialed') return;
    const now = this.#clock.now();
    const spacing = Number.isFinite(this.#shortestInterval) ? this.#shortestInterval : this.#maxBackoff;
    if (this.#resyncing || now - this.#lastResyncAt < spacing) return;
    this.#lastResyncAt = now;
    this.#resyncing = true;
    void (async () => {
      for (const { publication } of [...this.#published.values()]) {
        await this.#publishOnce(publication, undefined, true).catch((error: unknown) => this.#warn(error));
      }
      for (const loop of [...this.#loops.values()]) {
        if (this.#closed) return;
        await this.#announceNow(loop, undefined, true).catch((error: unknown) => this.#warn(error));
      }
    })().finally(() => (this.#resyncing = false));
  }

  #onDisconnected(central: string, reason: CloseReason): void {
    this.emit('disconnected', central, reason);
    if (this.#loops.size > 0 || this.#published.size > 0) this.#scheduleReconnect();
  }

  /** While away from the preferred central, looks for it again every `returnInterval`. */
  #scheduleReturn(): void {
    this.#clock.clearTimeout(this.#returnTimer);
    if (this.#closed || !this.#session.away) return;
    this.#returnTimer = this.#clock.setTimeout(() => {
      void this.#session.returnToPreferred().then((moved) => {
        if (!moved) this.#scheduleReturn();
      });
    }, this.#returnInterval);
  }

  /**
   * Tries again after a pause that grows with every loss or failed attempt
   * since the last announce that went through (a central that accepts the
   * connection but cannot answer must not make the client spin).
   */
  #scheduleReconnect(): void {
    if (this.#closed) return;
    this.#clock.clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = this.#clock.setTimeout(() => {
      this.#session.connect().catch((error: unknown) => {
        this.#warn(error);
        this.#scheduleReconnect();
      });
    }, this.#backoff(this.#reconnectFailures++));
  }

  /**
   * Exponential from minBackoff, spread ±20%, capped by maxBackoff and by
   * `intervalShare` (half, unless told) of the shortest interval central gave,
   * so that a central that comes back is reached, and told everything again,
   * within one interval.
   */
  #backoff(failures: number, intervalShare = 1 / 2): number {
    const cap = Math.min(this.#maxBackoff, this.#shortestInterval * intervalShare);
    const base = Math.min(cap, this.#minBackoff * 2 ** Math.min(failures, 30));
    return Math.max(1, Math.round(base * (1 + BACKOFF_JITTER * (2 * this.#random() - 1))));
  }

  /**
   * When a re-announce failed: once central has given an interval, a random
   * fraction of it in LOOP_RETRY_SPREAD (about one attempt per interval, as in
   * steady state, and a registry that comes back hears from every stream within
   * one interval); before, the backoff. A stream central does not know (yet) is
   * asked about again sooner, UNKNOWN_STREAM_QUICK_RETRIES times: its publisher
   * is likely reconnecting to a restarted central right now.
   */
  #retryDelay(failures: number, error: unknown): number {
    if (!Number.isFinite(this.#shortestInterval)) return this.#backoff(failures);
    if (error instanceof StreamNotFoundError && failures <= UNKNOWN_STREAM_QUICK_RETRIES) return this.#backoff(failures - 1, 1 / 4);
    const [low, high] = LOOP_RETRY_SPREAD;
    return Math.max(1, Math.round(this.#shortestInterval * (low + (high - low) * this.#random())));
  }

  #onSignaled(message: SignaledMessage): void {
    const signal: ReceivedSignal = { stream: message.stream, from: { host: message.host, port: message.port }, data: message.data };
    this.emit('signal', signal);
  }

  #warn(error: unknown): void {
    if (this.#closed && error instanceof TrackerClientError && error.code === 'CLIENT_CLOSED') return;
    if (this.listenerCount('warning') > 0) this.emit('warning', error instanceof Error ? error : new Error(String(error)));
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClientClosedError();
  }
}

function streamIdOf(publicKey: Uint8Array): string {
  return Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('hex');
}

/** The announce for `values`: with a signed head or end, its edge is theirs and their signatures go along. */
function announceMessage({ stream, port, edge, live, signals, signalsOnly, head, end }: AnnouncedValues) {
  // Only ever sent as true: a central built before signaling (or before signalsOnly) refuses the field.
  const base = { t: 'announce', stream, port, live, ...(signals ? { signals } : {}), ...(signalsOnly ? { signalsOnly } : {}) } as const;
  // The end is final: it says all a head would, and more.
  if (end) return { ...base, edge: end.edge, end: end.sig };
  if (head) return { ...base, edge: head.edge, ts: head.ts, sig: head.sig };
  return { ...base, edge };
}
