import { describe, expect, it } from 'vitest';
import { mpegTsProblem, TS_PACKET_BYTES } from '@p2pstream/data';
import { matchRuns } from '../../../../tools/swarm/mpegts-check.js';
import { fixture } from './processes.js';

// The end-to-end tests judge viewers' outputs with these checks; here they are shown to catch what they must.
describe('the output checks of the end-to-end tests', () => {
  const source = fixture();
  const slice = (fromPacket: number, packets: number) => source.subarray(fromPacket * TS_PACKET_BYTES, (fromPacket + packets) * TS_PACKET_BYTES);

  it('accept a contiguous piece of the source as one run at its place', () => {
    const output = slice(1000, 2000);
    expect(mpegTsProblem(output)).toBeUndefined();
    expect(matchRuns(output, source)).toEqual({ runs: [{ outputStart: 0, sourceStart: 1000 * TS_PACKET_BYTES, length: output.length }], mismatchAt: undefined });
  });

  it('see a skipped stretch as two runs in order', () => {
    const output = Buffer.concat([slice(100, 300), slice(700, 300)]);
    const { runs, mismatchAt } = matchRuns(output, source);
    expect(mismatchAt).toBeUndefined();
    expect(runs.map((run) => run.sourceStart / TS_PACKET_BYTES)).toEqual([100, 700]);
  });

  it('see a start point cut short by a skip as a run of its own: the PAT, PMT and keyframe packet, then the next chunk after the gap', () => {
    // As a viewer wrote it: its first chunk ended on the keyframe's first packet, and the chunk after it was skipped.
    const keyframe = 399;
    const output = Buffer.concat([slice(keyframe - 2, 3), slice(590, 300)]);
    const { runs, mismatchAt } = matchRuns(output, source);
    expect(mismatchAt).toBeUndefined();
    expect(runs.map((run) => [run.sourceStart / TS_PACKET_BYTES, run.length / TS_PACKET_BYTES])).toEqual([
      [keyframe - 2, 3],
      [590, 300],
    ]);
  });

  it('find a flipped bit in a run shorter than the probe', () => {
    const output = Buffer.concat([slice(397, 3), slice(590, 300)]);
    output[2 * TS_PACKET_BYTES + 100]! ^= 0x01;
    expect(matchRuns(output, source).mismatchAt).toBe(2 * TS_PACKET_BYTES);
  });

  it('find the one flipped bit', () => {
    const output = Buffer.from(slice(100, 600));
    const flipped = 345 * TS_PACKET_BYTES + 77;
    output[flipped]! ^= 0x10;
    expect(matchRuns(output, source).mismatchAt).toBe(345 * TS_PACKET_BYTES);
  });

  it('refuse pieces played out of order', () => {
    const output = Buffer.concat([slice(700, 300), slice(100, 300)]);
    expect(matchRuns(output, source).mismatchAt).toBe(300 * TS_PACKET_BYTES);
  });

  it('refuse output that is not whole MPEG-TS packets', () => {
    expect(mpegTsProblem(slice(0, 10).subarray(0, 1000))).toMatch(/188-byte packets/);
    expect(mpegTsProblem(Buffer.concat([slice(0, 3), Buffer.alloc(TS_PACKET_BYTES)]))).toMatch(/offset 564/);
  });
});
