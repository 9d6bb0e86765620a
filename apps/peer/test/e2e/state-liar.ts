import { randomBytes } from 'node:crypto';
import type { Connection, ConnectionServer } from '@p2pstream/connection';
import { TrackerClient, type LookupResult } from '@p2pstream/tracker-client';
import type { JoinMessage, RequestMessage } from '@p2pstream/wire';
import { startScriptedPeer, type ScriptedPeerOptions } from './scripted-peer.js';

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
  static start(options: ScriptedPeerOptions): Promise<StateLiar> {
    return startScriptedPeer(
      options,
      (tracker, server, stream) => new StateLiar(tracker, server, stream),
      (_, tracker, stream, port) => tracker.announce({ stream: stream.stream, port, edge: LIED_EDGE, live: true }),
    );
  }

  /** Viewers that joined it. */
  get joined(): number {
    return [...this.victims.values()].filter((victim) => victim.joins > 0).length;
  }

  async close(): Promise<void> {
    await this.#tracker.close();
    await this.#server.close();
  }

  onConnection(connection: Connection): void {
    const victim = this.victim(connection.remoteAddress);
    victim.open += 1;
    void connection.closed.then(() => {
      victim.open -= 1;
      victim.closes += 1;
    });
  }

  onJoin(message: JoinMessage, connection: Connection): void {
    const stream = this.#stream.stream;
    this.victim(connection.remoteAddress).joins += 1;
    // "Finished, and I hold all of it": a map that would end a viewer that believed it.
    const bits = new Uint8Array(16).fill(0xff);
    connection.reply(message, { t: 'map', stream, base: LIED_EDGE - 128, bits, edge: LIED_EDGE, live: false, session: this.#stream.session, source: false });
    connection.send({ t: 'head', stream, edge: LIED_EDGE, ts: Date.now(), sig: randomBytes(64) });
    connection.send({ t: 'end', stream, edge: LIED_EDGE, sig: randomBytes(64) });
  }

  onRequest(message: RequestMessage, connection: Connection): void {
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
