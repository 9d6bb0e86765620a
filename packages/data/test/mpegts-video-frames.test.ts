import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findLastVideoFrameStart, findVideoRandomAccess, TS_PACKET_BYTES } from '../src/index.js';

const FIXTURE = new URL('../../../tools/fixtures/test-stream.mpegts', import.meta.url);
/** tools/fixtures/README.md: H.264 with a keyframe every second, 20 s, and AAC audio. */
const FIXTURE_KEYFRAMES = 20;

const VIDEO_STREAM_ID = 0xe0;
const AUDIO_STREAM_ID = 0xc0;

/**
 * One packet that starts a PES of `streamId`, with an adaptation field whose
 * random_access_indicator is `randomAccess`, or with none.
 */
function pesStartPacket(streamId: number, options: { randomAccess?: boolean; unitStart?: boolean; adaptationField?: boolean } = {}): Buffer {
  const packet = Buffer.alloc(TS_PACKET_BYTES, 0xff);
  packet[0] = 0x47;
  packet[1] = (options.unitStart ?? true) ? 0x41 : 0x01;
  packet[2] = 0x00;
  if (options.adaptationField === false) {
    packet[3] = 0x10; // payload only
    packet.set([0, 0, 1, streamId], 4);
    return packet;
  }
  packet[3] = 0x30; // adaptation field and payload
  packet[4] = 1;
  packet[5] = (options.randomAccess ?? true) ? 0x40 : 0x00;
  packet.set([0, 0, 1, streamId], 6);
  return packet;
}

function offsetsOf(bytes: Uint8Array): number[] {
  const offsets: number[] = [];
  for (let at = findVideoRandomAccess(bytes); at >= 0; at = findVideoRandomAccess(bytes, at + TS_PACKET_BYTES)) offsets.push(at);
  return offsets;
}

describe('findVideoRandomAccess: where a decoder can begin', () => {
  it('finds every keyframe of the fixture’s video and none of its audio frames, though the muxer flags those too', () => {
    const offsets = offsetsOf(readFileSync(FIXTURE));
    expect(offsets).toHaveLength(FIXTURE_KEYFRAMES);
    expect(offsets.every((offset) => offset % TS_PACKET_BYTES === 0)).toBe(true);
  });

  it('takes only a video PES start flagged random access', () => {
    const packets = [
      pesStartPacket(AUDIO_STREAM_ID),
      pesStartPacket(VIDEO_STREAM_ID, { randomAccess: false }),
      pesStartPacket(VIDEO_STREAM_ID, { unitStart: false }),
      pesStartPacket(VIDEO_STREAM_ID),
    ];
    expect(findVideoRandomAccess(Buffer.concat(packets))).toBe(3 * TS_PACKET_BYTES);
    expect(findVideoRandomAccess(Buffer.concat(packets.slice(0, 3)))).toBe(-1);
  });

  it('is not fooled by a packet out of sync, cut short, or whose adaptation field leaves no room for a PES header', () => {
    const unsynced = pesStartPacket(VIDEO_STREAM_ID);
    unsynced[0] = 0;
    expect(findVideoRandomAccess(unsynced)).toBe(-1);
    expect(findVideoRandomAccess(pesStartPacket(VIDEO_STREAM_ID).subarray(0, 100))).toBe(-1);
    const overlong = pesStartPacket(VIDEO_STREAM_ID);
    overlong[4] = 183; // the whole packet
    expect(findVideoRandomAccess(overlong)).toBe(-1);
  });
});

describe('findLastVideoFrameStart: where the last video frame so far begins, the one whose end is still to come', () => {
  it('finds the start of any video frame, with or without an adaptation field, and not an audio frame or a continuation', () => {
    const packets = [
      pesStartPacket(VIDEO_STREAM_ID, { randomAccess: false }),
      pesStartPacket(VIDEO_STREAM_ID, { adaptationField: false }),
      pesStartPacket(VIDEO_STREAM_ID, { unitStart: false }),
      pesStartPacket(AUDIO_STREAM_ID),
    ];
    expect(findLastVideoFrameStart(Buffer.concat(packets))).toBe(TS_PACKET_BYTES);
    expect(findLastVideoFrameStart(Buffer.concat(packets.slice(2)))).toBe(-1);
  });

  it('finds the fixture’s last frame after its last keyframe: a keyframe every 25 frames', () => {
    const media = readFileSync(FIXTURE);
    const lastKeyframe = offsetsOf(media).at(-1)!;
    const lastFrame = findLastVideoFrameStart(media);
    expect(lastFrame).toBeGreaterThan(lastKeyframe);
    expect(findLastVideoFrameStart(media, lastFrame + TS_PACKET_BYTES)).toBe(-1);
  });
});
