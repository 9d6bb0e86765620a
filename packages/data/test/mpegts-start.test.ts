import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  findVideoRandomAccess,
  PAT_PID,
  packetPid,
  ProgramTables,
  RandomAccessStart,
  readPatProgramMapPids,
  readPesPts,
  readPmtStreams,
  TS_PACKET_BYTES,
  TsSegmenter,
} from '../src/index.js';

const FIXTURE = readFileSync(new URL('../../../tools/fixtures/test-stream.mpegts', import.meta.url));
/** tools/fixtures/README.md: H.264 (PID 0x100) with a keyframe every second from PTS 1.48 s, AAC (0x101), 20 s; PMT on 0x1000. */
const PMT_PID = 0x1000;
const FIRST_KEYFRAME_PTS = 1.48 * 90_000;
/** Chunks of 300 packets (56 KiB, about 0.75 s): they cut frames and groups of pictures anywhere. */
const CHUNK_BYTES = 300 * TS_PACKET_BYTES;

function chunksOf(bytes: Uint8Array, from = 0): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = from; at < bytes.length; at += CHUNK_BYTES) chunks.push(bytes.subarray(at, at + CHUNK_BYTES));
  return chunks;
}

function offsetIn(source: Buffer, output: Buffer): number {
  return source.indexOf(output.subarray(0, 4 * TS_PACKET_BYTES));
}

describe('PAT, PMT and PTS', () => {
  it('reads the tables and timestamps of the fixture as ffprobe shows them', () => {
    expect(packetPid(FIXTURE, TS_PACKET_BYTES)).toBe(PAT_PID);
    expect(readPatProgramMapPids(FIXTURE, TS_PACKET_BYTES)).toEqual([PMT_PID]);
    expect(readPmtStreams(FIXTURE, 2 * TS_PACKET_BYTES)).toEqual([
      { pid: 0x100, streamType: 0x1b, video: true },
      { pid: 0x101, streamType: 0x0f, video: false },
    ]);
    expect(readPesPts(FIXTURE, findVideoRandomAccess(FIXTURE))).toBe(FIRST_KEYFRAME_PTS);
    // Not a PAT, not a PES start: nothing.
    expect(readPatProgramMapPids(FIXTURE, 0)).toBeUndefined();
    expect(readPesPts(FIXTURE, 4 * TS_PACKET_BYTES)).toBeUndefined();
  });

  it('keeps the newest PAT and PMT as copies, ready once both were seen', () => {
    const tables = new ProgramTables();
    tables.observe(FIXTURE, TS_PACKET_BYTES);
    expect(tables.ready).toBe(false);
    tables.observe(FIXTURE, 2 * TS_PACKET_BYTES);
    expect(tables.ready).toBe(true);
    expect(tables.hasVideo).toBe(true);
    expect(Buffer.from(tables.packets()).equals(FIXTURE.subarray(TS_PACKET_BYTES, 3 * TS_PACKET_BYTES))).toBe(true);
  });
});

describe('RandomAccessStart', () => {
  it('joined mid-stream, passes nothing until the PAT, the PMT and a video keyframe, then every byte', () => {
    const start = new RandomAccessStart();
    const joinAt = 1000 * TS_PACKET_BYTES + 0; // mid-way through a group of pictures
    const out = Buffer.concat(chunksOf(FIXTURE, joinAt).flatMap((chunk) => start.push(chunk)));
    expect(start.started).toBe(true);
    expect(packetPid(out, 0)).toBe(PAT_PID);
    expect(packetPid(out, TS_PACKET_BYTES)).toBe(PMT_PID);
    expect(findVideoRandomAccess(out)).toBe(2 * TS_PACKET_BYTES);
    // The fixture's muxer writes the tables just before each keyframe: the output is the fixture from there on.
    const keyframe = findVideoRandomAccess(FIXTURE, joinAt);
    expect(out.equals(FIXTURE.subarray(keyframe - 2 * TS_PACKET_BYTES))).toBe(true);
  });

  it('puts copies of the newest PAT and PMT before the keyframe when they are not just before it', () => {
    const keyframe = findVideoRandomAccess(FIXTURE, 1000 * TS_PACKET_BYTES);
    // The stream with the tables just before this keyframe cut out: the copies must come from earlier ones.
    const without = Buffer.concat([FIXTURE.subarray(0, keyframe - 2 * TS_PACKET_BYTES), FIXTURE.subarray(keyframe)]);
    const start = new RandomAccessStart();
    const out = Buffer.concat(chunksOf(without, keyframe - 2 * TS_PACKET_BYTES - 50 * TS_PACKET_BYTES).flatMap((chunk) => start.push(chunk)));
    expect(packetPid(out, 0)).toBe(PAT_PID);
    expect(packetPid(out, TS_PACKET_BYTES)).toBe(PMT_PID);
    expect(out.subarray(2 * TS_PACKET_BYTES).equals(FIXTURE.subarray(keyframe))).toBe(true);
  });

  it('after a skipped chunk that held the tables just before a keyframe, does not start there with older copies: the output is the stream as sent', () => {
    // Cut as the publisher does on a 500 ms grid: a keyframe on the grid starts a chunk, and the tables the muxer put just before it end the one before.
    const second = findVideoRandomAccess(FIXTURE, 1000 * TS_PACKET_BYTES);
    const third = findVideoRandomAccess(FIXTURE, second + TS_PACKET_BYTES);
    const tablesBefore = second - 2 * TS_PACKET_BYTES;
    const played = FIXTURE.subarray(tablesBefore - 100 * TS_PACKET_BYTES, tablesBefore - 50 * TS_PACKET_BYTES); // mid-way, with the tables the muxer repeats
    const start = new RandomAccessStart();
    expect(start.push(played)).toEqual([]);
    // The chunk ending with the tables of the keyframe never came.
    start.skipped();
    const out = Buffer.concat(chunksOf(FIXTURE, second).flatMap((chunk) => start.push(chunk)));
    // It starts at the next keyframe, with the tables just before it: one stretch of the stream.
    expect(out.equals(FIXTURE.subarray(third - 2 * TS_PACKET_BYTES))).toBe(true);
    expect(offsetIn(FIXTURE, out)).toBe(third - 2 * TS_PACKET_BYTES);
  });

  it('seeks: starts at the keyframe at or before a media time, by the PCR', () => {
    for (const seconds of [0, 5, 12.5, 19]) {
      const start = new RandomAccessStart({ fromMs: seconds * 1000 });
      const out = Buffer.concat(chunksOf(FIXTURE).flatMap((chunk) => start.push(chunk)));
      expect(start.started, `${seconds} s`).toBe(true);
      const pts = readPesPts(out, findVideoRandomAccess(out))!;
      const keyframeSeconds = (pts - FIRST_KEYFRAME_PTS) / 90_000;
      // Keyframes are a second apart: the one at or before the time, never after it.
      expect(keyframeSeconds, `${seconds} s`).toBeLessThanOrEqual(seconds);
      expect(keyframeSeconds, `${seconds} s`).toBeGreaterThan(seconds - 1);
      expect(offsetIn(FIXTURE, out), `${seconds} s: a run of the fixture`).toBeGreaterThanOrEqual(0);
    }
  });

  it('never starts past the end, and says how long the stream was', () => {
    const start = new RandomAccessStart({ fromMs: 25_000 });
    const out = chunksOf(FIXTURE).flatMap((chunk) => start.push(chunk));
    expect(out).toEqual([]);
    expect(start.started).toBe(false);
    expect(start.mediaMs).toBeGreaterThan(19_000);
    expect(start.mediaMs).toBeLessThan(21_000);
  });

  it('passes bytes that are no MPEG-TS through as they are', () => {
    const start = new RandomAccessStart();
    const bytes = Buffer.alloc(1000, 7);
    expect(start.push(bytes)).toEqual([bytes]);
    expect(start.push(bytes)).toEqual([bytes]);
  });
});

describe('TsSegmenter', () => {
  it('cuts the fixture into segments of at least the target, each the PAT, the PMT and a keyframe first, that add up to the stream', () => {
    const segmenter = new TsSegmenter({ targetMs: 2000 });
    const segments = chunksOf(FIXTURE).flatMap((chunk) => segmenter.push(chunk));
    const last = segmenter.end();
    expect(last).toBeDefined();
    segments.push(last!);
    expect(segments.map((segment) => segment.index)).toEqual(segments.map((_, i) => i));
    for (const segment of segments.slice(0, -1)) expect(segment.durationMs).toBe(2000);
    const total = segments.reduce((sum, segment) => sum + segment.durationMs, 0);
    expect(total).toBeGreaterThan(19_000);
    for (const segment of segments) {
      const bytes = Buffer.concat(segment.pieces);
      expect(bytes.length).toBe(segment.bytes);
      expect(packetPid(bytes, 0)).toBe(PAT_PID);
      expect(packetPid(bytes, TS_PACKET_BYTES)).toBe(PMT_PID);
      expect(findVideoRandomAccess(bytes)).toBe(2 * TS_PACKET_BYTES);
      expect(segment.discontinuity).toBe(false);
    }
  });

  it('drops the segment a skipped chunk broke and marks the next as a discontinuity', () => {
    const segmenter = new TsSegmenter({ targetMs: 2000 });
    const chunks = chunksOf(FIXTURE);
    const segments = chunks.slice(0, 8).flatMap((chunk) => segmenter.push(chunk));
    segmenter.skipped();
    segments.push(...chunks.slice(9).flatMap((chunk) => segmenter.push(chunk)));
    const marked = segments.filter((segment) => segment.discontinuity);
    expect(marked).toHaveLength(1);
    const afterSkip = Buffer.concat(marked[0]!.pieces);
    // It starts at a keyframe after the skipped chunk.
    expect(FIXTURE.indexOf(afterSkip.subarray(2 * TS_PACKET_BYTES, 6 * TS_PACKET_BYTES))).toBeGreaterThan(9 * CHUNK_BYTES);
  });
});
