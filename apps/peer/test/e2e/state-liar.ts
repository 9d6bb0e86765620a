import { randomBytes } from 'node:crypto';
import { listen, type Connection, type ConnectionServer } from '@p2pstream/connection';
import { TrackerClient, type LookupResult } from '@p2pstream/tracker-client';
import type { JoinMessage, RequestMessage } from '@p2pstream/wire';

/**
 * A test double for a peer that speaks the protocol correctly and lies about
 * the stream's state: it announces itself at central with an edge far past the
 * real one, answers every `join` with a map that says the stream is finished
 * there (`live: false`, an edge past the newest chunk, every chunk held) and
 * then pushes a head and an end it cannot sign. It holds no chunk: every
 * request is refused NOT_HELD. It records which viewers joined and when they
 * hung up.
 */

/** The edge it claims: far past any real stream. */
export const LIED_EDGE = 2 ** 40;

export interface LiarVictim {
  joins: number;
  /** Connections it had with this viewer that are closed. */
  closes: number;
  open: number;
}

export class StateLiar {
  readonly victims = new Map<string, LiarVictim>();
  readonly #tracker: TrackerClient;
  readonly #server: ConnectionServer;
  readonly #stream: LookupResult;

  private constructor(tracker: TrackerClient, server: ConnectionServer, stream: LookupResult) {
    this.#tracker = tracker;
    this.#server = server;
    this.#stream = stream;
  }

  /** Looks the stream up, listens on `host` and announces itself with the lied edge. */
  static async start(options: { central: string; name: string; host: string }): Promise<StateLiar> {
    const tracker = new TrackerClient({ centrals: [options.central], localAddress: options.host });
    let server: ConnectionServer | undefined;
    try {
      const stream = await tracker.lookup(options.name);
      let liar: StateLiar | undefined;
      server = await listen({
        host: options.host,
        port: 0,
        role: 'peer',
        handlers: {
          join: (message, connection) => liar?.onJoin(message, connection),
          request: (message, connection) => liar?.onRequest(message, connection),
          cancel: () => undefined,
        },
      });
      liar = new StateLiar(tracker, server, stream);
      server.on('connection', (connection) => liar!.onConnection(connection));
      await tracker.announce({ stream: stream.stream, port: server.address().port, edge: LIED_EDGE, live: true });
      return liar;
    } catch (error) {
      await server?.close();
      await tracker.close();
      throw error;
    }
  }

  /** Viewers that joined it. */
  get joined(): number {
    return [...this.victims.values()].filter((victim) => victim.joins > 0).length;
  }

  async close(): Promise<void> {
    await this.#tracker.close();
    await this.#server.close();
  }

  private onConnection(connection: Connection): void {
    const victim = this.victim(connection.remoteAddress);
    victim.open += 1;
    void connection.closed.then(() => {
      victim.open -= 1;
      victim.closes += 1;
    });
  }

  private onJoin(message: JoinMessage, connection: Connection): void {
    const stream = this.#stream.stream;
    this.victim(connection.remoteAddress).joins += 1;
    // "Finished, and I hold all of it": a map that would end a viewer that believed it.
    const bits = new Uint8Array(16).fill(0xff);
    connection.reply(message, { t: 'map', stream, base: LIED_EDGE - 128, bits, edge: LIED_EDGE, live: false, session: this.#stream.session, source: false });
    connection.send({ t: 'head', stream, edge: LIED_EDGE, ts: Date.now(), sig: randomBytes(64) });
    connection.send({ t: 'end', stream, edge: LIED_EDGE, sig: randomBytes(64) });
  }

  private onRequest(message: RequestMessage, connection: Connection): void {
    connection.reply(message, { t: 'reject', seq: message.seq, reason: 'NOT_HELD' });
  }

  private victim(address: string): LiarVictim {
    let victim = this.victims.get(address);
    if (!victim) {
      victim = { joins: 0, closes: 0, open: 0 };
      this.victims.set(address, victim);
    }
    return victim;
  }
}
