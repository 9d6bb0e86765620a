import { describe, expect, it } from 'vitest';
import { EdgeClock } from '../src/edge-clock.js';

describe('EdgeClock', () => {
  it('knows nothing before the first announcement', () => {
    const clock = new EdgeClock(500);
    expect(clock.known).toBe(false);
    expect(clock.timeOf(3)).toBeUndefined();
  });

  it('places every chunk on the grid of the earliest announcement heard', () => {
    const clock = new EdgeClock(500);
    // Chunk 10 heard at 7000: chunk 0 would have been heard at 2000.
    expect(clock.heard(10, 7_000)).toBe(true);
    expect(clock.timeOf(0)).toBe(2_000);
    expect(clock.timeOf(12)).toBe(8_000);
    // Chunk 11 heard 300 ms later than the grid says (a slower path): no news.
    expect(clock.heard(11, 7_800)).toBe(false);
    expect(clock.timeOf(11)).toBe(7_500);
    // Chunk 12 heard 200 ms earlier than the grid says (a faster path): everything moves earlier.
    expect(clock.heard(12, 7_800)).toBe(true);
    expect(clock.timeOf(12)).toBe(7_800);
    expect(clock.timeOf(0)).toBe(1_800);
  });

  it('a stale buffer map cannot move the estimate earlier', () => {
    const clock = new EdgeClock(500);
    clock.heard(20, 10_000);
    // A map whose newest chunk is 4 chunks old, heard now.
    expect(clock.heard(16, 10_100)).toBe(false);
    expect(clock.timeOf(20)).toBe(10_000);
  });

  it('moves later when a chunk had not been heard of by a time the grid said it would', () => {
    const clock = new EdgeClock(500);
    clock.heard(4, 2_000);
    expect(clock.notBefore(6, 4_000)).toBe(true);
    expect(clock.timeOf(6)).toBe(4_000);
    // A bound the estimate already meets changes nothing.
    expect(clock.notBefore(6, 3_500)).toBe(false);
    expect(clock.timeOf(6)).toBe(4_000);
  });
});
