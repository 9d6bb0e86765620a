import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findLastVideoFrameStart, findVideoRandomAccess, MpegtsPlayerFeed, PAT_PID, packetPid, TS_PACKET_BYTES } from '../src/index.js';

const FIXTURE = readFileSync(new URL('../../../tools/fixtures/test-stream.mpegts', import.meta.url));
/** tools/fixtures/README.md: the PMT is on 0x1000. */
const PMT_PID = 0x1000;
/** Chunks of 300 packets (56 KiB, about 0.75 s): they cut frames and groups of pictures anywhere. */
const CHUNK_BYTES = 300 * TS_PACKET_BYTES;

function chunksOf(bytes: Uint8Array): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += CHUNK_BYTES) chunks.push(bytes.subarray(at, at + CHUNK_BYTES));
  return chunks;
}

describe('MpegtsPlayerFeed', () => {
  it('with no chunk skipped, passes the stream on from its first keyframe whole, the last frame once the stream ends', () => {
    const feed = new MpegtsPlayerFeed();
    const out = Buffer.concat([...chunksOf(FIXTURE).flatMap((chunk) => feed.push(chunk)), ...feed.end()]);
    expect(out.equals(FIXTURE.subarray(findVideoRandomAccess(FIXTURE) - 2 * TS_PACKET_BYTES))).toBe(true);
  });

  it('after a skipped chunk, passes on no piece of a frame the gap cut, and goes on at the PAT, the PMT and the next keyframe', () => {
    const chunks = chunksOf(FIXTURE);
    const gap = 10;
    const feed = new MpegtsPlayerFeed();
    const before = Buffer.concat(chunks.slice(0, gap).flatMap((chunk) => feed.push(chunk)));
    feed.skipped();
    const after = Buffer.concat([...chunks.slice(gap + 1).flatMap((chunk) => feed.push(chunk)), ...feed.end()]);

    // Before the gap: the stream up to the start of the last video frame of the chunk before it, that frame left out.
    const gapAt = gap * CHUNK_BYTES;
    const lastFrame = findLastVideoFrameStart(FIXTURE.subarray(0, gapAt), (gap - 1) * CHUNK_BYTES);
    const first = findVideoRandomAccess(FIXTURE) - 2 * TS_PACKET_BYTES;
    expect(before.equals(FIXTURE.subarray(first, lastFrame))).toBe(true);
    // After it: the tables, then the first keyframe after the missing chunk, and the rest whole.
    expect(packetPid(after, 0)).toBe(PAT_PID);
    expect(packetPid(after, TS_PACKET_BYTES)).toBe(PMT_PID);
    const keyframe = findVideoRandomAccess(FIXTURE, gapAt + CHUNK_BYTES);
    expect(after.subarray(2 * TS_PACKET_BYTES).equals(FIXTURE.subarray(keyframe))).toBe(true);
  });
});
