import { dial, type Connection, type ConnectionServer } from '@p2pstream/connection';
import type { Chunk } from '@p2pstream/data';
import { TrackerClient, type LookupResult } from '@p2pstream/tracker-client';
import type { JoinMessage, RequestMessage } from '@p2pstream/wire';
import { startScriptedPeer, type ScriptedPeerOptions } from './scripted-peer.js';

/**
 * A test double for the replay across sessions: it records real chunks (with
 * the publisher's real signatures) of one publish of a stream, and once the
 * same name and key are published again it offers them to every viewer as
 * chunks of the new publish — its map names the new session and claims every
 * seq up to far past the edge, so a viewer finds it holding each new chunk as
 * soon as a signed head covers it. Asked for a seq it recorded, it answers that
 * chunk; for any other, a recorded chunk under the asked seq. It counts the
 * chunks it served to each viewer.
 */
/** How far past its recorded chunks the replayer's map claims to hold the stream. */
const CLAIMED_PAST_RECORDED = 4096;

export class SessionReplayer {
  /** Chunks served, by viewer address. */
  readonly served = new Map<string, number>();
  readonly #chunks: ReadonlyMap<number, Chunk>;
  readonly #tracker: TrackerClient;
  readonly #server: ConnectionServer;
  readonly #stream: LookupResult;

  private constructor(chunks: ReadonlyMap<number, Chunk>, tracker: TrackerClient, server: ConnectionServer, stream: LookupResult) {
    this.#chunks = chunks;
    this.#tracker = tracker;
    this.#server = server;
    this.#stream = stream;
  }

  /** Fetches chunks `[0, count)` of the current publish from its publisher (the peer whose map says `source`). */
  static async record(options: { central: string; name: string; host: string; count: number }): Promise<Chunk[]> {
    const tracker = new TrackerClient({ centrals: [options.central], localAddress: options.host });
    try {
      const stream = await tracker.lookup(options.name);
      for (const entry of stream.peers) {
        const connection = await dial(entry.host, entry.port, { role: 'peer', localAddress: options.host }).catch(() => undefined);
        if (!connection) continue;
        try {
          const map = await connection.request({ t: 'join', stream: stream.stream });
          if (!map.source || map.edge < options.count) continue;
          const chunks: Chunk[] = [];
          for (let seq = 0; seq < options.count; seq++) {
            const reply = await connection.request({ t: 'request', seq });
            if (reply.t === 'chunk') chunks.push({ seq, ts: reply.ts, data: Buffer.from(reply.data), sig: Buffer.from(reply.sig) });
          }
          return chunks;
        } finally {
          await connection.close();
        }
      }
      throw new Error(`no publisher of ${options.name} held ${options.count} chunks yet`);
    } finally {
      await tracker.close();
    }
  }

  /** Looks the (re-published) stream up, listens on `host` and announces itself with the recorded chunks. */
  static serve(options: ScriptedPeerOptions & { chunks: readonly Chunk[] }): Promise<SessionReplayer> {
    return startScriptedPeer(
      options,
      (tracker, server, stream) => new SessionReplayer(new Map(options.chunks.map((chunk) => [chunk.seq, chunk])), tracker, server, stream),
      (_, tracker, stream, port) => tracker.announce({ stream: stream.stream, port, edge: options.chunks.length, live: true }),
    );
  }

  get servedTotal(): number {
    return [...this.served.values()].reduce((total, count) => total + count, 0);
  }

  async close(): Promise<void> {
    await this.#tracker.close();
    await this.#server.close();
  }

  onJoin(message: JoinMessage, connection: Connection): void {
    const edge = this.#chunks.size + CLAIMED_PAST_RECORDED;
    const bits = new Uint8Array(Math.ceil(edge / 8));
    for (let seq = 0; seq < edge; seq++) bits[seq >> 3]! |= 0x80 >> (seq & 7);
    connection.reply(message, { t: 'map', stream: this.#stream.stream, base: 0, bits, edge, live: true, session: this.#stream.session, source: false });
  }

  onRequest(message: RequestMessage, connection: Connection): void {
    const chunk = this.#chunks.get(message.seq) ?? this.#chunks.get(message.seq % this.#chunks.size);
    if (!chunk) {
      connection.reply(message, { t: 'reject', seq: message.seq, reason: 'NOT_HELD' });
      return;
    }
    this.served.set(connection.remoteAddress, (this.served.get(connection.remoteAddress) ?? 0) + 1);
    connection.reply(message, { t: 'chunk', seq: message.seq, ts: chunk.ts, sig: chunk.sig, data: chunk.data });
  }
}
