import { createWriteStream, type WriteStream } from 'node:fs';
import type { ViewerStats } from '@p2pstream/peer-client';
import type { PeerServerStats, PublisherStats } from '@p2pstream/peer-server';

/** One reading of a viewer or relay: a `--stats` line, and what `--metrics` reports. */
export interface ViewerRecord extends ViewerStats {
  time: number;
  role: 'viewer' | 'relay';
  /** Chunk bytes this peer's server sent. */
  bytesUploaded: number;
  /** Peers connected to this peer's server. */
  uploadPeers: number;
  rssBytes: number;
  /** Live chunks dropped because the reader of `--out` fell behind. */
  outputDropped?: number;
  /** Players connected to `--http`. */
  httpClients?: number;
}

/** One reading of a publisher: a `--stats` line, and what `--metrics` reports. */
export interface PublisherRecord {
  time: number;
  role: 'publisher';
  name: string;
  stream: string;
  live: boolean;
  /** Chunks cut so far. */
  chunks: number;
  edge: number;
  /** Peers connected to this peer's server. */
  peers: number;
  bytesUploaded: number;
  rssBytes: number;
}

export function viewerRecord(
  role: ViewerRecord['role'],
  viewer: ViewerStats,
  upload: PeerServerStats,
  output: Pick<ViewerRecord, 'outputDropped' | 'httpClients'> = {},
): ViewerRecord {
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

export function publisherRecord(name: string, stream: string, publisher: PublisherStats, upload: PeerServerStats): PublisherRecord {
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

  write(record: ViewerRecord | PublisherRecord): void {
    if (!this.#failed) this.#stream.write(`${JSON.stringify(record)}\n`);
  }

  /** Writes what is queued and closes the file. */
  close(): Promise<void> {
    if (this.#failed) return Promise.resolve();
    return new Promise((resolve) => this.#stream.end(() => resolve()));
  }
}
