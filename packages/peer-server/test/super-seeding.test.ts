import { describe, expect, it } from 'vitest';
import { connect, type Connection } from '@p2pstream/connection';
import { createMemoryPair } from '@p2pstream/connection/testing';
import { SignedState } from '@p2pstream/data';
import { ManualClock } from '@p2pstream/units';
import { startPeerServer, type PeerServer, type PeerServerOptions } from '../src/index.js';
import { SuperSeeding } from '../src/super-seeding.js';
import { onCleanup } from '../../../tools/testing/cleanup.js';
import { SESSION, filledWindow } from './helpers.js';

// Super-seeding of a finished stream's source, on a fake clock: the rule alone, then
// the server's answers to peers over in-memory pairs.

const HOLD_MS = 1_500;

describe('SuperSeeding', () => {
  function superSeeding(joined = new Set(['a', 'b', 'c'])) {
    const clock = new ManualClock();
    const reannounced: Array<[string, number]> = [];
    const rule = new SuperSeeding<string>({
      holdMs: HOLD_MS,
      clock,
      isJoined: (peer) => joined.has(peer),
      reannounce: (peer, seq) => void reannounced.push([peer, seq]),
    });
    return { rule, clock, joined, reannounced };
  }

  it('holds a chunk given to one peer back from the others until the hold ends, then tells each one refused', () => {
    const { rule, clock, reannounced } = superSeeding();
    expect(rule.admits('a', 7)).toBe(true);
    rule.offered('a', 7);
    clock.advance(HOLD_MS - 1);
    expect(rule.admits('a', 7)).toBe(true);
    expect(rule.admits('b', 7)).toBe(false);
    expect(rule.admits('c', 7)).toBe(false);
    expect(rule.admits('b', 8)).toBe(true);
    expect(reannounced).toEqual([]);
    clock.advance(1);
    expect(reannounced).toEqual([
      ['b', 7],
      ['c', 7],
    ]);
    expect(rule.admits('b', 7)).toBe(true);
  });

  it('does not hold back for a first recipient that left, nor re-announce to a refused peer that left', () => {
    const { rule, clock, joined, reannounced } = superSeeding();
    rule.offered('a', 1);
    rule.offered('a', 2);
    expect(rule.admits('b', 1)).toBe(false);
    expect(rule.admits('c', 2)).toBe(false);
    joined.delete('c');
    joined.delete('a');
    expect(rule.admits('b', 2)).toBe(true);
    clock.advance(HOLD_MS);
    expect(reannounced).toEqual([['b', 1]]);
  });

  it('makes the next asker the first recipient once the hold ended, and holds the chunk back for it', () => {
    const { rule, clock } = superSeeding();
    rule.offered('a', 3);
    clock.advance(HOLD_MS);
    expect(rule.admits('c', 3)).toBe(true);
    rule.offered('c', 3);
    expect(rule.admits('a', 3)).toBe(false);
  });

  it('runs the hold from when the chunk left the queue of its first recipient, moving the re-announcement with it', () => {
    const { rule, clock, reannounced } = superSeeding();
    rule.offered('a', 5);
    clock.advance(1_000);
    expect(rule.admits('b', 5)).toBe(false);
    rule.sent('b', 5); // not its first recipient: changes nothing
    rule.sent('a', 5);
    clock.advance(HOLD_MS - 1);
    expect(rule.admits('c', 5)).toBe(false);
    expect(reannounced).toEqual([]);
    clock.advance(1);
    expect(reannounced).toEqual([
      ['b', 5],
      ['c', 5],
    ]);
    expect(rule.admits('c', 5)).toBe(true);
  });

  it('holds a chunk sent after its hold ran out in the queue for the peer it went to', () => {
    const { rule, clock } = superSeeding();
    rule.offered('a', 6);
    clock.advance(HOLD_MS + 200);
    rule.sent('a', 6);
    expect(rule.admits('b', 6)).toBe(false);
  });

  it('forgets every pending re-announcement when closed', () => {
    const { rule, clock, reannounced } = superSeeding();
    rule.offered('a', 1);
    expect(rule.admits('b', 1)).toBe(false);
    rule.close();
    expect(clock.pendingTimers).toBe(0);
    clock.advance(HOLD_MS);
    expect(reannounced).toEqual([]);
  });
});

describe('PeerServer super-seeding a finished stream', () => {
  /** A source serving a finished stream of `count` chunks (or a live one), on a fake clock. */
  async function source(options: PeerServerOptions & { live?: boolean; source?: boolean } = {}) {
    const { live = false, source: isSource = true, ...serverOptions } = options;
    const clock = new ManualClock();
    const server = await startPeerServer({ listen: false, clock, ...serverOptions });
    onCleanup(() => server.close());
    const { window, streamId } = filledWindow(4, { live });
    if (!live) window.finish();
    server.serve(streamId, window, { state: new SignedState(streamId, SESSION), source: isSource });
    return { server, clock, streamId };
  }

  /** A peer joined over an in-memory pair from `address`; the `have`s it is told are collected. */
  async function joined(server: PeerServer, clock: ManualClock, streamId: string, address: string) {
    const [mine, theirs] = createMemoryPair({ first: { address, port: 40_000 } });
    server.accept(theirs);
    const haves: number[] = [];
    const connection: Connection = await connect(mine, { role: 'peer', clock, handlers: { have: ({ seq }) => void haves.push(seq) } });
    onCleanup(() => connection.close());
    await connection.request({ t: 'join', stream: streamId });
    return { connection, haves, ask: (seq: number) => connection.request({ t: 'request', seq }) };
  }

  it('sends each chunk to one viewer first: the others are refused NOT_HELD, then told have when the hold ends', async () => {
    const { server, clock, streamId } = await source({ superSeedMs: HOLD_MS });
    const a = await joined(server, clock, streamId, '127.0.0.2');
    const b = await joined(server, clock, streamId, '127.0.0.3');
    expect(await a.ask(0)).toMatchObject({ t: 'chunk', seq: 0 });
    expect(await b.ask(0)).toMatchObject({ t: 'reject', seq: 0, reason: 'NOT_HELD' });
    expect(await b.ask(1)).toMatchObject({ t: 'chunk', seq: 1 });
    expect(await a.ask(1)).toMatchObject({ t: 'reject', seq: 1, reason: 'NOT_HELD' });
    expect(server.stats()).toMatchObject({ chunksServed: 2, heldBackForSuperSeeding: 2, rejected: { NOT_HELD: 2 } });

    clock.advance(HOLD_MS);
    await b.ask(3); // a round trip, so the haves sent before its answer have arrived
    await a.ask(2);
    expect(b.haves).toEqual([0]);
    expect(a.haves).toEqual([1]);
    expect(await b.ask(0)).toMatchObject({ t: 'chunk', seq: 0 });
  });

  it('never refuses a viewer alone on the stream, nor one whose chunk went to a viewer that left', async () => {
    const { server, clock, streamId } = await source({ superSeedMs: HOLD_MS });
    const a = await joined(server, clock, streamId, '127.0.0.2');
    for (const seq of [0, 1, 2, 3]) expect(await a.ask(seq)).toMatchObject({ t: 'chunk', seq });
    expect(await a.ask(0)).toMatchObject({ t: 'chunk', seq: 0 });
    const b = await joined(server, clock, streamId, '127.0.0.3');
    expect(await b.ask(0)).toMatchObject({ t: 'reject', reason: 'NOT_HELD' });
    await a.connection.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(await b.ask(1)).toMatchObject({ t: 'chunk', seq: 1 });
  });

  it('holds nothing back of a live stream, of a stream it only relays, or with superSeedMs 0', async () => {
    for (const options of [{ live: true }, { source: false }, { superSeedMs: 0 }]) {
      const { server, clock, streamId } = await source(options);
      const a = await joined(server, clock, streamId, '127.0.0.2');
      const b = await joined(server, clock, streamId, '127.0.0.3');
      expect(await a.ask(0)).toMatchObject({ t: 'chunk', seq: 0 });
      expect(await b.ask(0)).toMatchObject({ t: 'chunk', seq: 0 });
      expect(server.stats().heldBackForSuperSeeding).toBe(0);
    }
  });

  it('refuses a negative superSeedMs with a clear error', async () => {
    await expect(startPeerServer({ listen: false, superSeedMs: -1 })).rejects.toMatchObject({ code: 'INVALID_OPTION', message: expect.stringMatching(/superSeedMs/) });
  });
});
