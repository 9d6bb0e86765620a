import { onCleanup } from '../../../tools/testing/cleanup.js';
import { dial } from '@p2pstream/connection';
import { ChunkWindow, generateStreamKey, newSession, signChunk, signPublish, signWindow, type Chunk, type SignedState, type StreamKey } from '@p2pstream/data';
import { startPeerServer, type PeerServer } from '@p2pstream/peer-server';
import { memoryRegistry, startTracker, type RunningTracker, type StartTrackerOptions } from '@p2pstream/tracker';
import { TrackerClient } from '@p2pstream/tracker-client';
import { PeerClient, type PeerClientOptions, type Sink } from '../src/index.js';

/** The publish session of every stream these tests publish: chunks and publishes are signed in it. */
export const SESSION = newSession();

/** Per-address connect limits out of the way of tests whose peers all share one address. */
export const UNLIMITED_CONNECT_RATE = { connectRatePerIp: 1_000_000, connectBurstPerIp: 1_000_000 };

/**
 * The real tracker (`@p2pstream/tracker`) in this process on 127.0.0.1, with a memory
 * registry, closed after the test. Every peer talks to it through a TrackerClient of its
 * own, so central never looks a peer's own entry up back to it.
 */
export class TestCentral {
  readonly running: RunningTracker;

  private constructor(running: RunningTracker) {
    this.running = running;
  }

  /** `options` over the test defaults: `dialBack: { timeout: 0 }` keeps central from dialing peers back, say. */
  static async start(options: Pick<StartTrackerOptions, 'dialBack'> = {}): Promise<TestCentral> {
    // Every client of these tests comes from 127.0.0.1 and re-dials on purpose: the per-address connect rate is not under test.
    // Nor is the cap on entries per address: every carrier here is a port of 127.0.0.1.
    const running = await startTracker({ registry: memoryRegistry(), host: '127.0.0.1', port: 0, limits: UNLIMITED_CONNECT_RATE, maxEntriesPerIp: 1_000, ...options });
    onCleanup(() => running.close());
    return new TestCentral(running);
  }

  /** A TrackerClient of its own on this central, closed (leaving what it announced) after the test. */
  client(localAddress?: string): TrackerClient {
    const client = new TrackerClient({ centrals: [`127.0.0.1:${this.running.port}`], ...(localAddress ? { localAddress } : {}) });
    onCleanup(() => client.close());
    return client;
  }

  /** Look-ups central has answered. */
  get lookups(): number {
    return this.running.tracker.counters.lookup;
  }

  /** Announces the server on `port` as a carrier of `stream`; `leave(stream)` on the client takes it off again. */
  async carry(stream: string, port: number, edge = 0, host?: string): Promise<TrackerClient> {
    // Central records the address it sees on the socket: a carrier on another host announces from it.
    const carrier = this.client(host);
    await carrier.announce({ stream, port, edge });
    return carrier;
  }

  /** The ports of the live entries central holds for `name` (every test peer is on 127.0.0.1). */
  async ports(name: string): Promise<number[]> {
    const found = await this.running.registry.lookup(name, Date.now(), 50);
    return (found?.candidates ?? []).map((entry) => entry.port).sort((a, b) => a - b);
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

/** `count` signed chunks of `bytes` bytes with distinct content, of the publish `session`. */
export function makeChunks(key: StreamKey, count: number, bytes = 3000, session = SESSION): Chunk[] {
  return Array.from({ length: count }, (_, seq) => {
    const data = Buffer.alloc(bytes);
    for (let i = 0; i < bytes; i++) data[i] = (seq * 31 + i * 7) & 0xff;
    return signChunk(key, session, { seq, ts: Date.now(), data });
  });
}

export interface TestPublisher {
  key: StreamKey;
  window: ChunkWindow<Chunk>;
  server: PeerServer;
  chunks: Chunk[];
  /** The heads and end it signed: a test peer that carries the stream passes them on too. */
  state: SignedState;
  /** The publisher's own TrackerClient: `leave(key.streamId)` takes it off central's list. */
  tracker: TrackerClient;
}

/**
 * A publishing node in this process: a peer server serving a window of signed chunks
 * (source: true), published at central under `name` (unless it serves a `key` already
 * published) and announced there (unless `listed: false`).
 */
export async function startPublisher(
  central: TestCentral,
  name: string,
  options: { count: number; live: boolean; bytes?: number; skip?: number[]; finish?: boolean; listed?: boolean; key?: StreamKey },
): Promise<TestPublisher> {
  const key = options.key ?? generateStreamKey();
  const chunks = makeChunks(key, options.count, options.bytes);
  const window = new ChunkWindow<Chunk>({ live: options.live });
  for (const chunk of chunks) if (!options.skip?.includes(chunk.seq)) window.add(chunk);
  if (options.finish ?? !options.live) window.finish(options.count);
  const server = await startServer();
  const state = signWindow(key, SESSION, window);
  server.serve(key.streamId, window, { state, source: true });
  const tracker = central.client();
  if (!options.key) await tracker.publish({ name, publicKey: key.publicKey, live: options.live, session: SESSION, sign: (ts) => signPublish(key, name, ts, SESSION) });
  if (options.listed ?? true) await tracker.announce({ stream: key.streamId, port: server.port, edge: window.edge, live: window.live });
  return { key, window, server, chunks, state, tracker };
}

export async function startServer(host = '127.0.0.1'): Promise<PeerServer> {
  const server = await startPeerServer({ host, port: 0, limits: UNLIMITED_CONNECT_RATE });
  onCleanup(() => server.close());
  return server;
}

/** A viewer with its own peer server (so it re-shares), closed after the test. */
export async function startViewer(central: TestCentral, name: string, options: Partial<PeerClientOptions> = {}) {
  const server = await startServer();
  const client = new PeerClient({ name, tracker: central.client(), server, relookupMs: 50, redialBackoffMs: 60_000, ...options });
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
