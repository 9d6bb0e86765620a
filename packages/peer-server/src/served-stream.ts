import type { HeldChunks, SignedState } from '@p2pstream/data';
import type { MapMessage } from '@p2pstream/wire';
import { ChunkRecipients } from './chunk-recipients.js';
import type { ServingPeer } from './serving-peer.js';

/** What serving needs of a `SignedState` (a page's WebCrypto state has the same surface). */
export type ServedState = Pick<SignedState, 'session' | 'head' | 'end' | 'onHead' | 'onEnd'>;

export interface ServeOptions {
  /**
   * What the publisher signed about this publish of the stream: its session
   * (named in every `map`, so a viewer of another session knows not to use this
   * peer), the newest signed head and the signed end, passed on to every peer
   * joined as they come. A publisher makes it with `signWindow`; a viewer feeds
   * it with what its peers send.
   */
  state: ServedState;
  /**
   * This node is the stream's publisher: `map` replies say `source: true`, so
   * viewers can count what they took from the publisher.
   * @default false
   */
  source?: boolean;
}

/**
 * One stream this server carries: its window, its signed state, and the peers
 * joined to it. Every chunk the window takes is announced to them with `have`,
 * every newer signed head with `head`, and the signed end with `end`.
 */
export class ServedStream {
  readonly id: string;
  readonly window: HeldChunks;
  readonly state: ServedState;
  readonly source: boolean;
  /** At the publisher: who each chunk was queued for. */
  readonly recipients: ChunkRecipients | undefined;
  readonly peers = new Set<ServingPeer>();
  readonly #unsubscribe: Array<() => void>;

  constructor(id: string, window: HeldChunks, options: ServeOptions) {
    this.id = id;
    this.window = window;
    this.state = options.state;
    this.source = options.source ?? false;
    this.recipients = this.source ? new ChunkRecipients() : undefined;
    this.#unsubscribe = [
      window.onChunk(({ seq }) => {
        for (const peer of this.peers) peer.connection.send({ t: 'have', seq });
      }),
      this.state.onHead(({ edge, ts, sig }) => {
        for (const peer of this.peers) peer.connection.send({ t: 'head', stream: id, edge, ts, sig });
      }),
      this.state.onEnd(({ edge, sig }) => {
        for (const peer of this.peers) peer.connection.send({ t: 'end', stream: id, edge, sig });
      }),
    ];
  }

  /** The `map` reply to a `join`: what the window holds, where its edge is, whether it still grows, and of which session. */
  map(): Omit<MapMessage, 're' | 't'> {
    const { base, bits } = this.window.bufferMap();
    const { edge, live } = this.window;
    return { stream: this.id, base, bits, edge, live, session: this.state.session, source: this.source };
  }

  /** Sends a peer that just joined what is signed so far: the newest head, and the end if there is one. */
  sendSignedState(peer: ServingPeer): void {
    const { head, end } = this.state;
    if (head) peer.connection.send({ t: 'head', stream: this.id, edge: head.edge, ts: head.ts, sig: head.sig });
    if (end) peer.connection.send({ t: 'end', stream: this.id, edge: end.edge, sig: end.sig });
  }

  /** Stops announcing; the peers are told by the caller. */
  detach(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
  }
}
