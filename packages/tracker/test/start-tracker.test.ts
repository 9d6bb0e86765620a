import { AddressInUseError, dial, type CloseReason, type Connection } from '@p2pstream/connection';
import { generateStreamKey, newSession, signHead, signPublish } from '@p2pstream/data';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryUnavailableError } from '../src/errors.js';
import { memoryRegistry, startTracker, type RunningTracker, type StartTrackerOptions, type TrackerProblem } from '../src/index.js';
import type { Registry } from '../src/registry.js';

const SESSION = newSession();

const opened: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  for (const item of opened.splice(0).reverse()) await item.close();
});

async function start(options: StartTrackerOptions = {}): Promise<RunningTracker> {
  const running = await startTracker({ host: '127.0.0.1', port: 0, ...options });
  opened.push(running);
  return running;
}

async function peer(running: RunningTracker, localAddress?: string): Promise<Connection> {
  const connection = await dial('127.0.0.1', running.port, { role: 'peer', ...(localAddress ? { localAddress } : {}) });
  opened.push(connection);
  return connection;
}

/** A memory registry that counts the calls the tracker makes to `sweep` and `close`. */
function countingRegistry(sweep?: () => Promise<never>): Registry & { sweeps: number; closes: number } {
  const inner = memoryRegistry();
  const counting = {
    description: inner.description,
    sweeps: 0,
    closes: 0,
    publish: (publication) => inner.publish(publication),
    announce: (announcement) => inner.announce(announcement),
    leave: (stream, peers, now, visibleUntil) => inner.leave(stream, peers, now, visibleUntil),
    streamHead: (stream) => inner.streamHead(stream),
    recordHead: (stream, head) => inner.recordHead(stream, head),
    markReachable: (stream, peer, reachable, now) => inner.markReachable(stream, peer, reachable, now),
    lookup: (name, now, max) => inner.lookup(name, now, max),
    list: (now, limit) => inner.list(now, limit),
    counts: () => inner.counts(),
    sweep: (now) => {
      counting.sweeps += 1;
      return sweep ? sweep() : inner.sweep(now);
    },
    close: () => {
      counting.closes += 1;
      return inner.close();
    },
  } satisfies Registry & { sweeps: number; closes: number };
  return counting;
}

async function waitUntil(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('startTracker', () => {
  it('answers the tracker protocol on the port it picked, recording the host it sees on each socket', async () => {
    const running = await start();
    expect(running.port).toBeGreaterThan(0);
    expect(running.address).toMatchObject({ address: '127.0.0.1', port: running.port });

    const key = generateStreamKey();
    const publisher = await peer(running, '127.0.0.2');
    const ts = Date.now();
    await publisher.request({ t: 'publish', name: 'cam1', key: key.publicKey, ts, live: true, session: SESSION, sig: signPublish(key, 'cam1', ts, SESSION) });
    const head = signHead(key, SESSION, 4, Date.now());
    await publisher.request({ t: 'announce', stream: key.streamId, port: 2050, edge: 4, live: true, ts: head.ts, sig: head.sig });
    const viewer = await peer(running, '127.0.0.3');
    expect(await viewer.request({ t: 'lookup', name: 'cam1', count: 5 })).toMatchObject({
      stream: key.streamId,
      peers: [{ host: '127.0.0.2', port: 2050, edge: 4 }],
    });
    expect(running.connections).toBe(2);
    expect(running.tracker.counters).toMatchObject({ publish: 1, announce: 1, lookup: 1 });
  });

  it('closes every connection with SHUTTING_DOWN and closes its registry', async () => {
    const registry = countingRegistry();
    const running = await startTracker({ host: '127.0.0.1', port: 0, registry });
    const connection = await peer(running);
    const closed = new Promise<CloseReason>((resolve) => connection.once('close', resolve));
    await running.close();
    expect(await closed).toMatchObject({ code: 'SHUTTING_DOWN', byRemote: true });
    expect(registry.closes).toBe(1);
    await running.close();
    expect(registry.closes).toBe(1);
  });

  it('rejects with ADDRESS_IN_USE when the port is taken, and closes the registry it was given', async () => {
    const first = await start();
    const registry = countingRegistry();
    const attempt = startTracker({ host: '127.0.0.1', port: first.port, registry });
    await expect(attempt).rejects.toBeInstanceOf(AddressInUseError);
    expect(registry.closes).toBe(1);
  });

  it('sweeps the registry on its timer', async () => {
    const registry = countingRegistry();
    await start({ registry, sweepInterval: 20 });
    await waitUntil(() => registry.sweeps >= 2);
  });

  it('reports a sweep that fails, but not an unreachable registry, which reports itself', async () => {
    const problems: TrackerProblem[] = [];
    let failure: Error = new RegistryUnavailableError('redis is away');
    const registry = countingRegistry(() => Promise.reject(failure));
    await start({ registry, sweepInterval: 20, onProblem: (problem) => problems.push(problem) });
    await waitUntil(() => registry.sweeps >= 2);
    expect(problems).toEqual([]);
    failure = new Error('a bug in a script');
    await waitUntil(() => problems.length > 0);
    expect(problems[0]).toEqual({ kind: 'sweep', error: failure });
  });
});
