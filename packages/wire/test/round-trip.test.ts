import { describe, expect, it } from 'vitest';
import { encodeFrame, encodeFrameParts, FrameDecoder, MAX_SIGNAL_BYTES, type Message } from '../src/index.js';
import { decodeAll } from './helpers.js';
import { ALL_SAMPLES, SAMPLES } from '../src/testing.js';

const controlSamples = ALL_SAMPLES.filter((message) => message.t !== 'chunk');

describe('round trip', () => {
  it.each(ALL_SAMPLES.map((message) => [message.t, message] as const))('decodes a %s frame to what was encoded', (_, message) => {
    const { messages, error } = decodeAll([encodeFrame(message)]);
    expect(error).toBeUndefined();
    expect(messages).toEqual([message]);
  });

  it('carries a publisher\'s signed head and end in an announce, and an announce without them', () => {
    const signed: Message = { ...SAMPLES.announce, ts: 1_700_000_000_000, sig: Buffer.alloc(64, 7), end: Buffer.alloc(64, 9) };
    expect(decodeAll([encodeFrame(signed), encodeFrame(SAMPLES.announce)]).messages).toEqual([signed, SAMPLES.announce]);
  });

  it('carries an announce that takes signals (only signals: a page), and a signaling payload of the largest size', () => {
    const announce: Message = { ...SAMPLES.announce, signals: true, signalsOnly: true };
    const signal: Message = { ...SAMPLES.signal, data: Buffer.alloc(MAX_SIGNAL_BYTES, 0x7b) };
    expect(decodeAll([encodeFrame(announce), encodeFrame(signal)]).messages).toEqual([announce, signal]);
  });

  it('leaves out optional fields that are undefined', () => {
    const message: Message = { t: 'error', code: 'BUSY', message: 'try later', re: undefined };
    expect(decodeAll([encodeFrame(message)]).messages).toEqual([{ t: 'error', code: 'BUSY', message: 'try later' }]);
  });

  it('decodes every frame when the bytes arrive one at a time', () => {
    const stream = Buffer.concat(ALL_SAMPLES.map(encodeFrame));
    const pieces = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));
    expect(decodeAll(pieces).messages).toEqual(ALL_SAMPLES);
  });

  it('decodes control frames split in two at every byte position', () => {
    const stream = Buffer.concat(controlSamples.map(encodeFrame));
    for (let cut = 0; cut <= stream.length; cut++) {
      const { messages, error } = decodeAll([stream.subarray(0, cut), stream.subarray(cut)]);
      expect(error, `cut at ${cut}`).toBeUndefined();
      expect(messages.length, `cut at ${cut}`).toBe(controlSamples.length);
    }
    expect(decodeAll([stream]).messages).toEqual(controlSamples);
  });

  it('decodes a chunk frame split in three at many positions, including every header byte', () => {
    const frame = encodeFrame(SAMPLES.chunk);
    const cuts = [...Array.from({ length: 160 }, (_, i) => i), ...Array.from({ length: 200 }, (_, i) => 160 + i * 331)];
    for (const cut of cuts.filter((c) => c < frame.length)) {
      const second = Math.min(frame.length, cut + 1 + ((cut * 7919) % 5000));
      const { messages, error } = decodeAll([frame.subarray(0, cut), frame.subarray(cut, second), frame.subarray(second)]);
      expect(error, `cuts at ${cut}/${second}`).toBeUndefined();
      const chunk = messages[0] as typeof SAMPLES.chunk;
      // Buffer.equals, not toEqual: a deep compare of 64 KiB element by element is needlessly slow.
      expect(chunk.seq).toBe(SAMPLES.chunk.seq);
      expect(Buffer.from(chunk.data).equals(SAMPLES.chunk.data), `cuts at ${cut}/${second}`).toBe(true);
    }
  });

  it('decodes hundreds of frames delivered in one read, in order', () => {
    const many = Array.from({ length: 600 }, (_, i): Message => ({ t: 'have', seq: i }));
    const { messages } = decodeAll([Buffer.concat(many.map(encodeFrame))]);
    expect(messages).toEqual(many);
  });
});

describe('chunk payloads', () => {
  it('encodes a chunk as a header part and the payload itself, not a copy', () => {
    const parts = encodeFrameParts(SAMPLES.chunk);
    expect(parts).toHaveLength(2);
    expect(parts[1]!.buffer).toBe(SAMPLES.chunk.data.buffer);
    expect(Buffer.concat(parts)).toEqual(encodeFrame(SAMPLES.chunk));
  });

  it('hands out a chunk that arrived in one read as a view of that read, without copying', () => {
    const frame = encodeFrame(SAMPLES.chunk);
    const decoder = new FrameDecoder();
    const [message] = [...decoder.push(frame)];
    expect(message?.t).toBe('chunk');
    const data = (message as typeof SAMPLES.chunk).data;
    expect(data.buffer).toBe(frame.buffer);
    expect(Buffer.from(data)).toEqual(Buffer.from(SAMPLES.chunk.data));
  });

  it('keeps small payloads intact after later frames are decoded (no aliasing of scratch space)', () => {
    const first = { ...SAMPLES.chunk, seq: 1, data: Buffer.alloc(100, 5) };
    const second = { ...SAMPLES.chunk, seq: 2, data: Buffer.alloc(100, 6) };
    const decoder = new FrameDecoder();
    const [a] = [...decoder.push(encodeFrame(first))] as (typeof first)[];
    const [b] = [...decoder.push(encodeFrame(second))] as (typeof first)[];
    const stream = Buffer.concat([encodeFrame(first), encodeFrame(second)]);
    const [c, d] = [...decoder.push(stream.subarray(0, 150)), ...decoder.push(stream.subarray(150))] as (typeof first)[];
    expect([a, b, c, d].map((m) => Buffer.from(m!.data).equals(m!.seq === 1 ? first.data : second.data))).toEqual([
      true,
      true,
      true,
      true,
    ]);
  });

  it('keeps decoding after a chunk whose payload straddled reads', () => {
    const stream = Buffer.concat([encodeFrame(SAMPLES.chunk), encodeFrame(SAMPLES.have)]);
    const decoder = new FrameDecoder();
    const out = [...decoder.push(stream.subarray(0, 1000)), ...decoder.push(stream.subarray(1000))];
    expect(out.map((m) => m.t)).toEqual(['chunk', 'have']);
    expect(decoder.bufferedBytes).toBe(0);
  });
});
