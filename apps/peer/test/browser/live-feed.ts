import { Readable } from 'node:stream';
import { Chunker } from '@p2pstream/data';
import type { PeerHttpServer } from '../../src/http-server.js';

/**
 * The page's player without a swarm: the peer's HTTP server, in-process, fed
 * MPEG-TS (the looped fixture, say) live in 500 ms chunks, as play-out feeds it.
 */

export interface LiveFeedOptions {
  /** Make it outlast the test. */
  media: Buffer;
  signal: AbortSignal;
  /** Asked before each chunk: true leaves it out, as play-out does with a chunk that missed its deadline. */
  skip?: () => boolean;
}

/** Writes the stream to `server` chunk by chunk at media pace, until stopped. */
export async function feedLive(server: PeerHttpServer, options: LiveFeedOptions): Promise<void> {
  const { signal } = options;
  try {
    for await (const chunk of new Chunker({ mpegts: true, realtime: true }).chunks(Readable.from([options.media]), { signal })) {
      if (options.skip?.()) server.output.skipped();
      else server.output.write(chunk.data);
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}
