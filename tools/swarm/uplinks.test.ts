import { describe, expect, it } from 'vitest';
import { assignUplinks, capacityWarning, DEFAULT_UPLINK_MIX, parseUplinkMix } from './uplinks.js';

const RATE = 250_000;

describe('an uplink mix', () => {
  it('reads multiples of the rate and rates of their own, with their shares', () => {
    expect(parseUplinkMix('0.5x:20,4mbit:80', RATE)).toEqual([
      { label: '0.5x', bytesPerSecond: 125_000, percent: 20 },
      { label: '4mbit', bytesPerSecond: 500_000, percent: 80 },
    ]);
  });

  it('is refused with a message when its shares do not add up to 100 or a part is malformed', () => {
    expect(() => parseUplinkMix('1x:50,2x:40', RATE)).toThrow(/add up to 100, not 90/);
    expect(() => parseUplinkMix('1x', RATE)).toThrow(/uplink:percent/);
    expect(() => parseUplinkMix('fast:100', RATE)).toThrow(/--uplinks takes a rate like/);
    expect(() => parseUplinkMix('1x:0,2x:100', RATE)).toThrow(/above 0 %/);
  });

  it('gives each class its share of the viewers, rounding by largest remainder', () => {
    const mix = parseUplinkMix(DEFAULT_UPLINK_MIX, RATE);
    for (const [viewers, counts] of [
      [4, [1, 2, 1]],
      [10, [2, 5, 3]],
      [30, [6, 15, 9]],
      [1, [0, 1, 0]],
    ] as const) {
      const assigned = assignUplinks(mix, viewers);
      expect(assigned).toHaveLength(viewers);
      expect(
        mix.map((entry) => assigned.filter((uplink) => uplink === entry).length),
        `${viewers} viewers`,
      ).toEqual(counts);
    }
  });

  it('is assigned to the same slots on every run', () => {
    const mix = parseUplinkMix(DEFAULT_UPLINK_MIX, RATE);
    expect(assignUplinks(mix, 30).map((uplink) => uplink.label)).toEqual(assignUplinks(mix, 30).map((uplink) => uplink.label));
  });

  it('warns when the viewers together cannot pass the stream on (mean uplink below 1×)', () => {
    expect(capacityWarning([0.5 * RATE, 1.2 * RATE], RATE)).toMatch(/mean uplink is 0\.85× the stream rate/);
    expect(capacityWarning([0.5 * RATE, 1.5 * RATE], RATE)).toBeUndefined();
  });
});
