import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChunkStore, DEFAULT_STORE_CACHE_BYTES } from '@p2pstream/data';

export interface FinishedStoreOptions {
  /**
   * Directory of the scratch file (a private directory is made inside it and
   * deleted on close).
   * @default os.tmpdir()
   */
  dir?: string;
  /**
   * Bytes of chunk data kept in memory (read back, or not yet written); fetching
   * waits while the unwritten chunks alone exceed it.
   * @default 16 MiB
   */
  cacheBytes?: number;
}

/** A finished stream's chunks in a scratch file of their own, removed with its directory on `close()`. */
export interface ChunkSpool {
  readonly store: ChunkStore;
  close(): Promise<void>;
}

/**
 * Makes a private directory (mode 0700, a name nobody can guess) and a spool in it. With the
 * file play-out writes the stream to (`placeFile`), the spool holds up to half its cache of
 * chunks unwritten, so the chunks play-out writes in time are kept in that file alone.
 */
export async function openChunkSpool(options: FinishedStoreOptions, onError: (error: Error) => void, placeFile?: string): Promise<ChunkSpool> {
  const dir = await mkdtemp(join(options.dir ?? tmpdir(), 'p2pstream-chunks-'));
  const cacheBytes = options.cacheBytes ?? DEFAULT_STORE_CACHE_BYTES;
  const store = ChunkStore.spool(join(dir, 'chunks'), {
    temporary: true,
    onError,
    cacheBytes,
    ...(placeFile === undefined ? {} : { placeFile, holdBytes: Math.floor(cacheBytes / 2) }),
  });
  return {
    store,
    close: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
