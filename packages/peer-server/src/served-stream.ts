import type { Chunk, ChunkWindow } from '@p2pstream/data';
import type { MapMessage } from '@p2pstream/wire';
import type { ServingPeer } from './serving-peer.js';

export interface ServeOptions {
  /**
   * The publish session the window's chunks belong to (8 bytes): `map` replies
   * name it, so a viewer of another session knows not to use this peer.
   */
  session: Uint8Array;
  /**
   * This node is the stream's publisher: `map` replies say `source: true`, so
   * viewers can count what they took from the publisher.
   * @default false
   */
  source?: boolean;
}

/**
 * One stream this server carries: its window, and the peers joined to it. Every
 * chunk the window takes is announced to them with `have`, and the end of a
 * live stream with `ended`.
 */
export class ServedStream {
  readonly id: string;
  readonly window: ChunkWindow<Chunk>;
  readonly source: boolean;
  readonly session: Uint8Array;
  readonly peers = new Set<ServingPeer>();
  readonly #unsubscribe: Array<() => void>;

  constructor(id: string, window: ChunkWindow<Chunk>, options: ServeOptions) {
    this.id = id;
    this.window = window;
    this.source = options.source ?? false;
    this.session = options.session;
    this.#unsubscribe = [
      window.onChunk(({ seq }) => {
        for (const peer of this.peers) peer.connection.send({ t: 'have', seq });
      }),
      window.onEnd((edge) => {
        for (const peer of this.peers) peer.connection.send({ t: 'ended', edge });
      }),
    ];
  }

  /** The `map` reply to a `join`: what the window holds, where its edge is, whether it still grows, and of which session. */
  map(): Omit<MapMessage, 're' | 't'> {
    const { base, bits } = this.window.bufferMap();
    const { edge, live } = this.window;
    return { stream: this.id, base, bits, edge, live, session: this.session, source: this.source };
  }

  /** Stops announcing; the peers are told by the caller. */
  detach(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
  }
}
