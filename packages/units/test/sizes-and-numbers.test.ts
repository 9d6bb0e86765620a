import { describe, expect, it } from 'vitest';
import { parseFraction, parseInteger, parsePositive, parseSize, UsageError } from '../src/index.js';

describe('parseSize', () => {
  it('reads Ki, Mi, Gi as powers of 1024 and k, M, G as powers of 1000, with or without B', () => {
    expect(parseSize('--size', '16MiB')).toBe(16 * 1024 ** 2);
    expect(parseSize('--size', '256MiB')).toBe(256 * 1024 ** 2);
    expect(parseSize('--size', '512 KiB')).toBe(512 * 1024);
    expect(parseSize('--size', '4Gi')).toBe(4 * 1024 ** 3);
    expect(parseSize('--size', '64MB')).toBe(64e6);
    expect(parseSize('--size', '64m')).toBe(64e6);
    expect(parseSize('--size', '1000')).toBe(1000);
  });

  it('refuses what is no size, naming the flag', () => {
    for (const text of ['', 'big', '0', '-1MiB', '1.5TiB', '0.1']) {
      expect(() => parseSize('--size', text), text).toThrow(UsageError);
      expect(() => parseSize('--size', text), text).toThrow(/--size takes a size like 16MiB/);
    }
  });

  it('takes up to its maximum and names it, in the unit it was written in, when the size is over', () => {
    expect(parseSize('--cache', '4GiB', 4 * 1024 ** 3)).toBe(4 * 1024 ** 3);
    expect(() => parseSize('--cache', '5GiB', 4 * 1024 ** 3)).toThrow(/--cache takes at most 4GiB, not "5GiB"/);
    expect(() => parseSize('--window', '2000k', 1536 * 1024)).toThrow(/--window takes at most 1536KiB/);
  });
});

describe('plain numbers', () => {
  it('reads whole numbers within their range and refuses the rest, naming the flag and the range', () => {
    expect(parseInteger('--port', '2045', 0, 65535)).toBe(2045);
    for (const text of ['65536', '-1', '1.5', 'x', '']) expect(() => parseInteger('--port', text, 0, 65535)).toThrow(/--port takes a whole number from 0 to 65535/);
  });

  it('reads numbers above 0 and fractions from 0 to 1', () => {
    expect(parsePositive('--announce-rate', '2.5')).toBe(2.5);
    expect(() => parsePositive('--announce-rate', '0')).toThrow(/--announce-rate takes a number above 0/);
    expect(parseFraction('--kill-fraction', '.25')).toBe(0.25);
    expect(parseFraction('--kill-fraction', '1')).toBe(1);
    expect(() => parseFraction('--kill-fraction', '1.5')).toThrow(/--kill-fraction takes a fraction from 0 to 1/);
  });

  it('throws errors a program can tell from its own: code USAGE, name UsageError', () => {
    const error = (() => {
      try {
        parseInteger('--viewers', 'many', 1, 10);
      } catch (caught) {
        return caught as UsageError;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect(error?.code).toBe('USAGE');
    expect(error?.name).toBe('UsageError');
  });
});
