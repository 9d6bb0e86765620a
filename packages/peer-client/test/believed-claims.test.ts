import { describe, expect, it } from 'vitest';
import { ChunkWindow, type Chunk } from '@p2pstream/data';
import { Scheduler } from '@p2pstream/scheduler';
import { ManualClock } from '@p2pstream/units';
import { BelievedClaims } from '../src/believed-claims.js';
import { SinkWriter } from '../src/sink-writer.js';
import { ViewerCounters } from '../src/viewer-stats.js';
import { mapOf } from './map-message.js';

/** A finished stream's scheduler, window and writer as a viewer makes them; `asked` lists what the scheduler asked of whom. */
function viewerParts() {
  const clock = new ManualClock();
  const asked: string[] = [];
  const scheduler = new Scheduler({
    // Never answered: what counts here is what the scheduler believes it may ask for.
    fetch: (peer, seq) => {
      asked.push(`${peer}:${seq}`);
      return new Promise<number>(() => undefined);
    },
    clock,
    live: false,
    chunkDurationMs: 500,
    // Room for every chunk at once: the requests are never answered.
    maxInFlight: 16,
    maxInFlightPerPeer: 16,
  });
  const window = new ChunkWindow<Chunk>({ live: false });
  const writer = new SinkWriter({
    live: false,
    from: 0,
    window,
    sink: { write: () => undefined },
    counters: new ViewerCounters(),
    wallClock: () => clock.now(),
    onPlayed: () => undefined,
    onSkipped: () => undefined,
    onEnd: () => undefined,
    onWarning: (error) => {
      throw error;
    },
  });
  scheduler.start();
  return { clock, asked, scheduler, window, writer, claims: new BelievedClaims({ scheduler, writer, window }) };
}

describe('BelievedClaims', () => {
  it('asks a peer for the chunks it claims only as far as a verified head covers them, then the rest once the end is signed', async () => {
    const { clock, asked, scheduler, window, writer, claims } = viewerParts();
    // The peer claims chunks 0–7; nothing is signed yet.
    claims.addPeer('p', mapOf(0, [0xff], false));
    await clock.run(1_000);
    expect(asked).toEqual([]);

    claims.believeUpTo(3);
    await clock.run(1_000);
    expect(scheduler.edge).toBe(2);
    expect([...asked].sort()).toEqual(['p:0', 'p:1', 'p:2']);

    expect(claims.end(8)).toBe(true);
    await clock.run(1_000);
    expect([...asked].sort()).toEqual(['p:0', 'p:1', 'p:2', 'p:3', 'p:4', 'p:5', 'p:6', 'p:7']);
    expect(writer.finalEdge).toBe(8);
    expect(window.ended).toBe(true);
    expect(window.edge).toBe(8);
    // A second end changes nothing.
    expect(claims.end(9)).toBe(false);
    expect(writer.finalEdge).toBe(8);
    scheduler.close();
  });

  it('holds back a `have` past the verified head until a head covers it, and forgets a peer that is gone', async () => {
    const { clock, asked, scheduler, claims } = viewerParts();
    const p = claims.addPeer('p', mapOf(0, [0], false));
    const q = claims.addPeer('q', mapOf(0, [0], false));
    p.have(5);
    q.have(5);
    await clock.run(1_000);
    expect(asked).toEqual([]);

    claims.removePeer('q');
    claims.believeUpTo(6);
    await clock.run(1_000);
    expect(asked).toEqual(['p:5']);
    scheduler.close();
  });
});
