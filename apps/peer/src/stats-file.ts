import { createWriteStream, type WriteStream } from 'node:fs';
import type { PublisherStatsLine, ViewerStats, ViewerStatsLine } from '@p2pstream/peer-client';
import type { PeerServerStats, PublisherStats } from '@p2pstream/peer-server';

/** The `--stats` line of a viewer or relay (schema: `ViewerStatsLine` in @p2pstream/peer-client), also what `--metrics` reports. */
export function viewerRecord(
  role: ViewerStatsLine['role'],
  viewer: ViewerStats,
  upload: PeerServerStats,
  output: Pick<ViewerStatsLine, 'outputDropped' | 'httpClients'> = {},
): ViewerStatsLine {
  return {
    time: Date.now(),
    role,
    ...viewer,
    bytesUploaded: upload.bytesUploaded,
    uploadPeers: upload.connections,
    rssBytes: process.memoryUsage.rss(),
    ...output,
  };
}

/** The `--stats` line of a publisher (`PublisherStatsLine` in @p2pstream/peer-client), also what `--metrics` reports. */
export function publisherRecord(name: string, stream: string, publisher: PublisherStats, upload: PeerServerStats): PublisherStatsLine {
  return {
    time: Date.now(),
    role: 'publisher',
    name,
    stream,
    live: publisher.live,
    chunks: publisher.chunks,
    edge: publisher.edge,
    peers: upload.connections,
    bytesUploaded: upload.bytesUploaded,
    rssBytes: process.memoryUsage.rss(),
  };
}

/** `--stats FILE`: one JSON object per line, appended. */
export class StatsFile {
  readonly path: string;
  readonly #stream: WriteStream;
  #failed = false;

  constructor(path: string, onError: (error: Error) => void) {
    this.path = path;
    this.#stream = createWriteStream(path, { flags: 'a' });
    this.#stream.on('error', (error) => {
      this.#failed = true;
      onError(error);
    });
  }

  write(record: ViewerStatsLine | PublisherStatsLine): void {
    if (!this.#failed) this.#stream.write(`${JSON.stringify(record)}\n`);
  }

  /** Writes what is queued and closes the file. */
  close(): Promise<void> {
    if (this.#failed) return Promise.resolve();
    return new Promise((resolve) => this.#stream.end(() => resolve()));
  }
}
