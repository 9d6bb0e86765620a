import { onCleanup } from '../../../tools/testing/cleanup.js';
import { dial, type Connection, type DialOptions } from '@p2pstream/connection';
import { ChunkWindow, generateStreamKey, newSession, signChunk, type Chunk, type StreamKey } from '@p2pstream/data';
import { memoryRegistry, startTracker, type RunningTracker } from '@p2pstream/tracker';
import { TrackerClient } from '@p2pstream/tracker-client';
import { startPeerServer, type PeerServer, type PeerServerOptions, type PublisherTracker } from '../src/index.js';

/** The publish session of every stream these tests serve: their chunks are signed in it. */
export const SESSION = newSession();

/** A peer server on 127.0.0.1 with a port the system picks, closed after the test. */
export async function startServer(options: PeerServerOptions = {}): Promise<PeerServer> {
  const server = await startPeerServer({ host: '127.0.0.1', port: 0, ...options });
  onCleanup(() => server.close());
  return server;
}

/** Dials `server` as a peer would, closed after the test. */
export async function dialServer(server: PeerServer, options: Partial<DialOptions> = {}): Promise<Connection> {
  const connection = await dial('127.0.0.1', server.port, { role: 'peer', ...options });
  onCleanup(() => connection.close());
  return connection;
}

/** `count` chunks of `bytes` bytes each (byte i of chunk s is (s + i) & 0xff), signed with `key`. */
export function signedChunks(key: StreamKey, count: number, bytes = 1000, from = 0): Chunk[] {
  return Array.from({ length: count }, (_, k) => {
    const seq = from + k;
    const data = Buffer.alloc(bytes);
    for (let i = 0; i < bytes; i++) data[i] = (seq + i) & 0xff;
    return signChunk(key, SESSION, { seq, ts: 1_700_000_000_000 + seq * 500, data });
  });
}

/** A stream key and a window holding `count` signed chunks. */
export function filledWindow(count: number, options: { live?: boolean; capacity?: number; bytes?: number } = {}) {
  const key = generateStreamKey();
  const window = new ChunkWindow<Chunk>({ live: options.live ?? true, ...(options.capacity ? { capacity: options.capacity } : {}) });
  for (const chunk of signedChunks(key, count, options.bytes)) window.add(chunk);
  return { key, window, streamId: key.streamId };
}

/** Resolves once `check` returns true, polling every few ms; throws after `ms`. */
export async function waitUntil(check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * A real TrackerClient that notes each call a publisher makes of it before passing
 * it on to central, so a test can read what was said and in what order; what central
 * made of it is read from the tracker itself.
 */
export class RecordingTrackerClient implements PublisherTracker {
  readonly calls: Array<{ call: string; [key: string]: unknown }> = [];
  readonly #client: TrackerClient;

  constructor(client: TrackerClient) {
    this.#client = client;
  }

  publish: TrackerClient['publish'] = (publication, options) => {
    this.calls.push({ call: 'publish', name: publication.name, live: publication.live });
    return this.#client.publish(publication, options);
  };

  announce: TrackerClient['announce'] = (announcement, options) => {
    this.calls.push({ call: 'announce', ...announcement });
    return this.#client.announce(announcement, options);
  };

  update: TrackerClient['update'] = (stream, changes) => {
    this.calls.push({ call: 'update', stream, ...changes });
    this.#client.update(stream, changes);
  };

  leave: TrackerClient['leave'] = (stream, options) => {
    this.calls.push({ call: 'leave', stream });
    return this.#client.leave(stream, options);
  };
}

/**
 * The real tracker (`@p2pstream/tracker`) in this process on 127.0.0.1 with a memory
 * registry, and a recording TrackerClient connected to it; both closed after the test.
 */
export async function startCentral(): Promise<{ central: RunningTracker; tracker: RecordingTrackerClient }> {
  const central = await startTracker({ registry: memoryRegistry(), host: '127.0.0.1', port: 0 });
  onCleanup(() => central.close());
  const client = new TrackerClient({ centrals: [`127.0.0.1:${central.port}`] });
  onCleanup(() => client.close());
  return { central, tracker: new RecordingTrackerClient(client) };
}

/** What `central` holds for `name` now: the stream and its live entries. */
export function lookUp(central: RunningTracker, name: string) {
  return central.registry.lookup(name, Date.now(), 50);
}
