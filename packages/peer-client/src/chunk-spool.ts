import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChunkStore } from '@p2pstream/data';

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

/** Makes a private directory (mode 0700, a name nobody can guess) and a spool in it. */
export async function openChunkSpool(options: FinishedStoreOptions, onError: (error: Error) => void): Promise<ChunkSpool> {
  const dir = await mkdtemp(join(options.dir ?? tmpdir(), 'p2pstream-chunks-'));
  const store = ChunkStore.spool(join(dir, 'chunks'), {
    temporary: true,
    onError,
    ...(options.cacheBytes === undefined ? {} : { cacheBytes: options.cacheBytes }),
  });
  return {
    store,
    close: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
