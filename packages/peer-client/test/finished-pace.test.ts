import { describe, expect, it } from 'vitest';
import { rarestFirst, type SchedulerView, type Strategy } from '@p2pstream/scheduler';
import { FinishedPace } from '../src/finished-pace.js';
import { CollectingSink, once, startPublisher, startViewer, TestCentral } from './helpers.js';

const KIB = 1024;

/** Rarest-first, remembering the playhead's pace per chunk each round of decisions saw. */
function pacesSeen(): { strategy: Strategy; paces: Set<number> } {
  const inner = rarestFirst();
  const paces = new Set<number>();
  const strategy: Strategy = {
    name: 'pace-recording',
    next(view: SchedulerView) {
      paces.add(view.chunkDurationMs);
      return inner.next(view);
    },
  };
  return { strategy, paces };
}

/** Watches a finished stream of `count` chunks of `bytes` to its end; the paces its scheduler ran at. */
async function watchToEnd(bytes: number, count: number, finishedChunkMs?: number): Promise<number[]> {
  const central = await TestCentral.start();
  const publisher = await startPublisher(central, 'film', { count, bytes, live: false });
  const { strategy, paces } = pacesSeen();
  const sink = new CollectingSink();
  const { client } = await startViewer(central, 'film', { sink, scheduler: { strategy }, ...(finishedChunkMs === undefined ? {} : { finishedChunkMs }) });
  const ended = once(client, 'end');
  await client.start();
  await ended;
  expect(sink.bytes.length).toBe(publisher.chunks.reduce((sum, chunk) => sum + chunk.data.length, 0));
  return [...paces];
}

describe('the playhead pace of a finished stream', () => {
  it('follows the chunks the publisher cut: 400 ms a 256 KiB chunk, with no setting at the viewer', async () => {
    const paces = await watchToEnd(256 * KIB, 6);
    // Rounds before the first chunk arrived ran at the 64 KiB pace; every later one at the 256 KiB pace.
    expect(paces.at(-1)).toBe(400);
    expect(paces.every((pace) => pace === 100 || pace === 400)).toBe(true);
  });

  it('stays at 100 ms a chunk for 64 KiB chunks', async () => {
    expect(await watchToEnd(64 * KIB, 6)).toEqual([100]);
  });

  it('keeps finishedChunkMs when it is given, whatever the chunks’ size', async () => {
    expect(await watchToEnd(256 * KIB, 6, 250)).toEqual([250]);
  });
});

describe('FinishedPace', () => {
  it('paces by the largest chunk seen, so a short last chunk arriving first does not stick', () => {
    const pace = new FinishedPace();
    expect(pace.chunkMsAfter(1000)).toBeCloseTo((1000 / 2 ** 20) * 1600);
    expect(pace.chunkMsAfter(256 * KIB)).toBe(400);
    expect(pace.chunkMsAfter(1000)).toBeUndefined();
    expect(pace.chunkMsAfter(256 * KIB)).toBeUndefined();
  });
});
