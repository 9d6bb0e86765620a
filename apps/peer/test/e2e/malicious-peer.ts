import { dial, type Connection, type ConnectionServer } from '@p2pstream/connection';
import type { Chunk } from '@p2pstream/data';
import { TrackerClient, type LookupResult } from '@p2pstream/tracker-client';
import type { JoinMessage, MapMessage, RequestMessage } from '@p2pstream/wire';
import { startScriptedPeer } from './scripted-peer.js';

/**
 * A test double for a hostile peer, speaking the real protocols through
 * @p2pstream/connection and @p2pstream/tracker-client: it announces itself at central
 * for a stream, fetches real chunks from the stream's publisher, offers them to every
 * viewer that joins (a `map`, then a `have` per chunk, the moment it has it) and
 * serves each with one bit of its data flipped and the publisher's real signature.
 * It records, per viewer address, what it served and when the viewer hung up.
 */

/** Chunks kept behind the newest one (a live window of about a minute at two chunks a second). */
const KEEP_CHUNKS = 120;

export interface MaliciousPeerOptions {
  /** Central as host:port. */
  central: string;
  /** The stream's name. */
  name: string;
  /** Its own loopback address: it listens, dials and talks to central from here. */
  host: string;
  /**
   * Chunks behind the publisher's edge to fetch when it starts, so it has something to offer at once.
   * @default 4
   */
  backlog?: number;
}

/** What happened with the viewers that dialed it, per remote address. */
export interface Victim {
  address: string;
  joins: number[];
  /** When each corrupt chunk was sent. */
  served: number[];
  requests: number;
  /** When each of its connections closed. */
  closes: number[];
  open: number;
}

export class MaliciousPeer {
  readonly victims = new Map<string, Victim>();
  readonly #chunks = new Map<number, Chunk>();
  readonly #subscribers = new Set<Connection>();
  readonly #tracker: TrackerClient;
  readonly #server: ConnectionServer;
  readonly #stream: LookupResult;
  #publisher: Connection | undefined;
  #closed = false;

  private constructor(tracker: TrackerClient, server: ConnectionServer, stream: LookupResult) {
    this.#tracker = tracker;
    this.#server = server;
    this.#stream = stream;
  }

  /**
   * Looks the stream up, connects to its publisher (the peer whose `map` says
   * `source: true`), starts fetching and announces itself. Rejects when the stream
   * or its publisher cannot be found.
   */
  static start(options: MaliciousPeerOptions): Promise<MaliciousPeer> {
    return startScriptedPeer(
      options,
      (tracker, server, stream) => new MaliciousPeer(tracker, server, stream),
      async (peer, tracker, stream, port) => {
        await peer.connectToPublisher(options.host, options.backlog ?? 4);
        await tracker.announce({ stream: stream.stream, port, edge: peer.edge, live: stream.live });
      },
    );
  }

  get address(): string {
    const { address, port } = this.#server.address();
    return `${address}:${port}`;
  }

  /** One past the highest chunk held. */
  get edge(): number {
    return this.#chunks.size === 0 ? 0 : Math.max(...this.#chunks.keys()) + 1;
  }

  get chunksHeld(): number {
    return this.#chunks.size;
  }

  /** Corrupt chunks sent, to every viewer. */
  get servedTotal(): number {
    return [...this.victims.values()].reduce((total, victim) => total + victim.served.length, 0);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#tracker.close();
    await this.#publisher?.close();
    await this.#server.close();
  }

  private async connectToPublisher(host: string, backlog: number): Promise<void> {
    for (const entry of this.#stream.peers) {
      const connection = await dial(entry.host, entry.port, {
        role: 'peer',
        localAddress: host,
        handlers: { have: (message) => void this.fetch(message.seq) },
      }).catch(() => undefined);
      if (!connection) continue;
      const map = await connection.request({ t: 'join', stream: this.#stream.stream }).catch(() => undefined);
      if (map?.source) {
        this.#publisher = connection;
        for (let seq = Math.max(map.base, map.edge - backlog); seq < map.edge; seq += 1) void this.fetch(seq);
        return;
      }
      await connection.close();
    }
    throw new Error(`no peer of ${this.#stream.name} answered as its publisher (looked at ${JSON.stringify(this.#stream.peers)})`);
  }

  private async fetch(seq: number): Promise<void> {
    if (this.#closed || this.#chunks.has(seq) || !this.#publisher) return;
    const reply = await this.#publisher.request({ t: 'request', seq }).catch(() => undefined);
    if (reply?.t !== 'chunk' || this.#closed) return;
    this.#chunks.set(seq, { seq, ts: reply.ts, data: reply.data, sig: reply.sig });
    for (const held of this.#chunks.keys()) if (held < seq - KEEP_CHUNKS) this.#chunks.delete(held);
    this.#tracker.update(this.#stream.stream, { edge: this.edge });
    for (const subscriber of this.#subscribers) subscriber.send({ t: 'have', seq });
  }

  onConnection(connection: Connection): void {
    const victim = this.victim(connection.remoteAddress);
    victim.open += 1;
    void connection.closed.then(() => {
      victim.open -= 1;
      victim.closes.push(Date.now());
      this.#subscribers.delete(connection);
    });
  }

  onJoin(message: JoinMessage, connection: Connection): void {
    if (message.stream !== this.#stream.stream) {
      connection.replyError(message, 'UNKNOWN_STREAM', 'not carried here');
      return;
    }
    this.victim(connection.remoteAddress).joins.push(Date.now());
    this.#subscribers.add(connection);
    connection.reply(message, { t: 'map', ...this.bufferMap() });
  }

  onRequest(message: RequestMessage, connection: Connection): void {
    const { seq } = message;
    const victim = this.victim(connection.remoteAddress);
    victim.requests += 1;
    const chunk = this.#chunks.get(seq);
    if (!chunk) {
      connection.reply(message, { t: 'reject', seq, reason: 'NOT_HELD' });
      return;
    }
    const data = Uint8Array.from(chunk.data);
    // One bit in the middle of the payload: the signature no longer matches, the packet structure still does.
    data[data.length >> 1]! ^= 0x01;
    victim.served.push(Date.now());
    connection.reply(message, { t: 'chunk', seq, ts: chunk.ts, sig: chunk.sig, data });
  }

  private bufferMap(): Omit<MapMessage, 're' | 't'> {
    const seqs = [...this.#chunks.keys()];
    const base = seqs.length ? Math.min(...seqs) : 0;
    const edge = this.edge;
    const bits = new Uint8Array(Math.ceil((edge - base) / 8));
    for (const seq of seqs) bits[(seq - base) >> 3]! |= 0x80 >> ((seq - base) & 7);
    return { stream: this.#stream.stream, base, bits, edge, live: this.#stream.live, session: this.#stream.session, source: false };
  }

  private victim(address: string): Victim {
    let victim = this.victims.get(address);
    if (!victim) {
      victim = { address, joins: [], served: [], requests: 0, closes: [], open: 0 };
      this.victims.set(address, victim);
    }
    return victim;
  }
}
