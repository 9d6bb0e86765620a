import { afterEach } from 'vitest';
import { dial } from '@p2pstream/connection';
import { ChunkWindow, generateStreamKey, signChunk, type Chunk, type StreamKey } from '@p2pstream/data';
import { startPeerServer, type PeerServer } from '@p2pstream/peer-server';
import { PeerClient, type ClientTracker, type PeerClientOptions, type Sink } from '../src/index.js';

const toClose: Array<() => unknown> = [];

/** Closes everything a test opened, newest first. */
afterEach(async () => {
  while (toClose.length > 0) await toClose.pop()!();
});

export function onCleanup(close: () => unknown): void {
  toClose.push(close);
}

interface Entry {
  host: string;
  port: number;
  edge: number;
}

interface StreamRecord {
  name: string;
  stream: string;
  live: boolean;
  peers: Map<string, Entry>;
}

/** Central in memory: a stream per name, entries per announcing peer; each peer gets its own view (`as`). */
export class MemoryTracker {
  readonly streams = new Map<string, StreamRecord>();
  lookups = 0;

  /** Registers a stream the way a publisher's publish + announce would. */
  add(name: string, stream: string, live: boolean, peer?: { host: string; port: number }): void {
    const record: StreamRecord = { name, stream, live, peers: new Map() };
    this.streams.set(name, record);
    if (peer) record.peers.set(`${peer.host}:${peer.port}`, { ...peer, edge: 0 });
  }

  /** Lists a peer under a stream (a carrier central knows of). */
  list(name: string, peer: { host: string; port: number }): void {
    this.streams.get(name)!.peers.set(`${peer.host}:${peer.port}`, { ...peer, edge: 0 });
  }

  /** The tracker as one peer on `host` sees it: its own entries are never listed back to it. */
  as(host = '127.0.0.1'): ClientTracker {
    const own = new Set<string>();
    const byId = (stream: string) => [...this.streams.values()].find((record) => record.stream === stream);
    const view = {
      lookup: async (name: string) => {
        this.lookups += 1;
        const record = this.streams.get(name);
        if (!record) throw Object.assign(new Error(`no stream named ${name}`), { code: 'STREAM_NOT_FOUND' });
        const peers = [...record.peers.entries()].filter(([key]) => !own.has(key)).map(([, entry]) => ({ ...entry }));
        const edge = Math.max(0, ...[...record.peers.values()].map((entry) => entry.edge));
        return { name, stream: record.stream, live: record.live, edge, peers };
      },
      announce: async (announcement: { stream: string; port: number; edge?: number }) => {
        const record = byId(announcement.stream);
        if (!record) throw Object.assign(new Error('unknown stream'), { code: 'STREAM_NOT_FOUND' });
        const key = `${host}:${announcement.port}`;
        own.add(key);
        record.peers.set(key, { host, port: announcement.port, edge: announcement.edge ?? 0 });
        return { interval: 15_000, ttl: 25_000 };
      },
      update: (stream: string, changes: { edge?: number }) => {
        for (const [key, entry] of byId(stream)?.peers ?? []) if (own.has(key) && changes.edge !== undefined) entry.edge = changes.edge;
      },
      leave: async (stream: string) => {
        for (const key of own) byId(stream)?.peers.delete(key);
      },
    };
    return view as unknown as ClientTracker;
  }
}

/** Collects what play-out writes. */
export class CollectingSink implements Sink {
  readonly pieces: Buffer[] = [];
  write(data: Uint8Array): void {
    this.pieces.push(Buffer.from(data));
  }
  get bytes(): Buffer {
    return Buffer.concat(this.pieces);
  }
}

/** `count` signed chunks of `bytes` bytes with distinct content. */
export function makeChunks(key: StreamKey, count: number, bytes = 3000): Chunk[] {
  return Array.from({ length: count }, (_, seq) => {
    const data = Buffer.alloc(bytes);
    for (let i = 0; i < bytes; i++) data[i] = (seq * 31 + i * 7) & 0xff;
    return signChunk(key, { seq, ts: Date.now(), data });
  });
}

export interface TestPublisher {
  key: StreamKey;
  window: ChunkWindow<Chunk>;
  server: PeerServer;
  chunks: Chunk[];
}

/** A publishing node in this process: a peer server serving a window of signed chunks (source: true). */
export async function startPublisher(
  tracker: MemoryTracker,
  name: string,
  options: { count: number; live: boolean; bytes?: number; skip?: number[]; finish?: boolean; listed?: boolean; key?: StreamKey },
): Promise<TestPublisher> {
  const key = options.key ?? generateStreamKey();
  const chunks = makeChunks(key, options.count, options.bytes);
  const window = new ChunkWindow<Chunk>({ live: options.live });
  for (const chunk of chunks) if (!options.skip?.includes(chunk.seq)) window.add(chunk);
  if (options.finish ?? !options.live) window.finish(options.count);
  const server = await startServer();
  server.serve(key.streamId, window, { source: true });
  if (!tracker.streams.has(name)) tracker.add(name, key.streamId, options.live);
  if (options.listed ?? true) tracker.list(name, { host: '127.0.0.1', port: server.port });
  return { key, window, server, chunks };
}

export async function startServer(): Promise<PeerServer> {
  const server = await startPeerServer({ host: '127.0.0.1', port: 0 });
  onCleanup(() => server.close());
  return server;
}

/** A viewer with its own peer server (so it re-shares), closed after the test. */
export async function startViewer(tracker: MemoryTracker, name: string, options: Partial<PeerClientOptions> = {}) {
  const server = await startServer();
  const client = new PeerClient({ name, tracker: tracker.as(), server, relookupMs: 50, redialBackoffMs: 60_000, ...options });
  onCleanup(() => client.close());
  return { client, server };
}

/** Resolves when `emitter` emits `event`; rejects after `ms`. */
export function once(emitter: { once(event: string, listener: () => void): unknown }, event: string, ms = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${ms} ms`)), ms);
    emitter.once(event, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Resolves once `check` returns true, polling every few ms; throws after `ms`. */
export async function waitUntil(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** `dial`, counting the dials to each `host:port`. */
export function countingDial(counts: Map<string, number>): typeof dial {
  return (host, port, options) => {
    counts.set(`${host}:${port}`, (counts.get(`${host}:${port}`) ?? 0) + 1);
    return dial(host, port, options);
  };
}
