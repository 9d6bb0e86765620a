import { describe, expect, it } from 'vitest';
import { clipBufferMap, HeldBack } from '../src/believed-maps.js';
import { mapOf } from './map-message.js';

describe('clipBufferMap', () => {
  it('keeps only the chunks below the believed limit', () => {
    expect(clipBufferMap(mapOf(8, [0xff, 0xff]), 13)).toEqual({ base: 8, bits: Uint8Array.of(0b1111_1000) });
    expect(clipBufferMap(mapOf(8, [0xff, 0xff]), 16)).toEqual({ base: 8, bits: Uint8Array.of(0xff) });
    expect(clipBufferMap(mapOf(8, [0xff]), 8).bits).toHaveLength(0);
    expect(clipBufferMap(mapOf(8, [0xff]), 0).bits).toHaveLength(0);
    expect(clipBufferMap(mapOf(8, [0xf0]), 1000).bits).toEqual(Uint8Array.of(0xf0));
  });
});

describe('HeldBack', () => {
  it('hands over what a peer claimed, by map or by have, once the limit passes it, and only once', () => {
    const held = new HeldBack(mapOf(0, [0b1010_0000]));
    held.have(9);
    held.have(2 ** 40);
    expect(held.release(0, 1)).toEqual({ inMap: [0], haves: [] });
    expect(held.release(1, 10)).toEqual({ inMap: [2], haves: [9] });
    expect(held.release(10, 11)).toEqual({ inMap: [], haves: [] });
  });

  it('tells the bits of the map from the haves, so that a chunk the peer held when met is not taken for news', () => {
    const held = new HeldBack(mapOf(0, [0b1100_0000]));
    // A have for a chunk already in the map is the map's.
    held.have(1);
    held.have(5);
    expect(held.release(0, 8)).toEqual({ inMap: [0, 1], haves: [5] });
  });
});
