import type { HeldChunks } from '@p2pstream/data';
import type { MapMessage } from '@p2pstream/wire';
import type { ServingPeer } from './serving-peer.js';

export interface ServeOptions {
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
  readonly window: HeldChunks;
  readonly source: boolean;
  readonly peers = new Set<ServingPeer>();
  readonly #unsubscribe: Array<() => void>;

  constructor(id: string, window: HeldChunks, options: ServeOptions) {
    this.id = id;
    this.window = window;
    this.source = options.source ?? false;
    this.#unsubscribe = [
      window.onChunk(({ seq }) => {
        for (const peer of this.peers) peer.connection.send({ t: 'have', seq });
      }),
      window.onEnd((edge) => {
        for (const peer of this.peers) peer.connection.send({ t: 'ended', edge });
      }),
    ];
  }

  /** The `map` reply to a `join`: what the window holds, where its edge is, and whether it still grows. */
  map(): Omit<MapMessage, 're' | 't'> {
    const { base, bits } = this.window.bufferMap();
    return { stream: this.id, base, bits, edge: this.window.edge, live: this.window.live, source: this.source };
  }

  /** Stops announcing; the peers are told by the caller. */
  detach(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
  }
}
