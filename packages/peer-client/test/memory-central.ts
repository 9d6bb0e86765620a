import { ConnectionServer } from '@p2pstream/connection';
import { MemoryNetwork } from '@p2pstream/connection/testing';
import { signPublish, type StreamKey } from '@p2pstream/data';
import { MemoryRegistry, Tracker, trackerHandlers } from '@p2pstream/tracker';
import { TrackerClient } from '@p2pstream/tracker-client';
import { onCleanup } from '../../../tools/testing/cleanup.js';
import { ManualClock } from '@p2pstream/units';
import { SESSION } from './helpers.js';

const HOST = '127.0.0.1';
const PORT = 2045;

/**
 * The real tracker (`@p2pstream/tracker`) answering on a memory network of its own on the
 * test's fake clock, so a test of the client's state machine needs no socket: each peer
 * reaches it through a TrackerClient of its own that dials over that network.
 */
export class MemoryCentral {
  readonly #network: MemoryNetwork;
  readonly #clock: ManualClock;
  readonly #onCleanup: (close: () => unknown) => void;

  /** `cleanup` takes what to close at the end: after the test by default; a fuzz case closes its own. */
  constructor(clock: ManualClock, cleanup: (close: () => unknown) => void = onCleanup) {
    this.#clock = clock;
    this.#onCleanup = cleanup;
    this.#network = new MemoryNetwork({ clock });
    const tracker = new Tracker({ registry: new MemoryRegistry() });
    const server = new ConnectionServer({ role: 'central', handlers: trackerHandlers(tracker), clock });
    cleanup(this.#network.listen(HOST, PORT, server));
    cleanup(() => server.close());
  }

  /** A TrackerClient from `localAddress`, closed after the test. */
  client(localAddress: string): TrackerClient {
    const client = new TrackerClient({ centrals: [`${HOST}:${PORT}`], dial: this.#network.dial, localAddress, clock: this.#clock });
    this.#onCleanup(async () => {
      const closing = client.close();
      await this.#clock.run(5_000); // its goodbyes travel on the fake clock too
      await closing;
    });
    return client;
  }

  /** Publishes `name` under `key` and announces `port` at `host` as its publisher, moving the clock until central has both. */
  async publish(host: string, port: number, name: string, key: StreamKey, live: boolean): Promise<void> {
    const client = this.client(host);
    await this.#settle(client.publish({ name, publicKey: key.publicKey, live, session: SESSION, sign: (ts) => signPublish(key, name, ts, SESSION) }));
    await this.#settle(client.announce({ stream: key.streamId, port, edge: 0, live }));
  }

  /**
   * Announces `port` at `host` as a carrier of `stream`, moving the clock until central has it; returns the
   * client it announced through (central lists no entry to the client that announced it).
   */
  async carry(host: string, port: number, stream: string): Promise<TrackerClient> {
    const client = this.client(host);
    await this.#settle(client.announce({ stream, port, edge: 0, live: true }));
    return client;
  }

  /** Moves the fake clock through what is due now until `work` settles (bounded: a conversation takes a few rounds). */
  async #settle<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    const done = work.finally(() => (settled = true));
    for (let round = 0; round < 100 && !settled; round++) await this.#clock.run(0);
    return done;
  }
}
