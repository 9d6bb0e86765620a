import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { looksLikeMpegTs, mpegTsProblem, TS_PACKET_BYTES } from '../src/index.js';
import { pseudoRandomBytes } from './helpers.js';
import { tsStream } from './ts-packets.js';

const FIXTURE = new URL('../../../tools/fixtures/test-stream.mpegts', import.meta.url);

describe('looksLikeMpegTs', () => {
  it('takes the committed fixture, and a piece of it joined mid-packet', () => {
    const fixture = readFileSync(FIXTURE);
    expect(looksLikeMpegTs(fixture.subarray(0, 4 * TS_PACKET_BYTES))).toBe(true);
    expect(looksLikeMpegTs(fixture.subarray(5, 5 + 4 * TS_PACKET_BYTES))).toBe(true);
  });

  it('takes a single whole packet', () => {
    expect(looksLikeMpegTs(tsStream(1))).toBe(true);
  });

  it('refuses bytes whose sync bytes are not 188 apart', () => {
    const packets = tsStream(3);
    packets[2 * TS_PACKET_BYTES] = 0x00;
    expect(looksLikeMpegTs(packets)).toBe(false);
    // Sync bytes 192 apart: M2TS (Blu-ray) packets, which the chunker cannot cut.
    const m2ts = Buffer.alloc(3 * 192, 0);
    for (let i = 0; i < 3; i++) m2ts[i * 192 + 4] = 0x47;
    expect(looksLikeMpegTs(m2ts)).toBe(false);
  });

  it('refuses text, random bytes, and anything shorter than a packet', () => {
    expect(looksLikeMpegTs(Buffer.from('hello, this is not a video\n'.repeat(40)))).toBe(false);
    expect(looksLikeMpegTs(pseudoRandomBytes(4 * TS_PACKET_BYTES, 7).map((byte) => (byte === 0x47 ? 0 : byte)))).toBe(false);
    expect(looksLikeMpegTs(tsStream(1).subarray(0, TS_PACKET_BYTES - 1))).toBe(false);
    expect(looksLikeMpegTs(new Uint8Array(0))).toBe(false);
  });
});

describe('mpegTsProblem', () => {
  it('accepts whole packets from the first byte, the committed fixture among them', () => {
    expect(mpegTsProblem(readFileSync(FIXTURE))).toBeUndefined();
    expect(mpegTsProblem(tsStream(3))).toBeUndefined();
  });

  it('names a length that is no whole number of packets', () => {
    expect(mpegTsProblem(tsStream(6).subarray(0, 1000))).toBe('1000 bytes is not a whole number of 188-byte packets');
  });

  it('names the first packet without its sync byte, and what stood there', () => {
    const bytes = Buffer.concat([tsStream(3), Buffer.alloc(TS_PACKET_BYTES)]);
    expect(mpegTsProblem(bytes)).toBe('no sync byte 0x47 at offset 564 (found 0x0)');
  });

  it('refuses a stream joined mid-packet, which looksLikeMpegTs would take', () => {
    const joinedLate = tsStream(4).subarray(5, 5 + 3 * TS_PACKET_BYTES);
    expect(looksLikeMpegTs(joinedLate)).toBe(true);
    expect(mpegTsProblem(joinedLate)).toMatch(/no sync byte 0x47 at offset 0/);
  });
});
