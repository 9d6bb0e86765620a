import { describe, expect, it } from 'vitest';
import { formatMediaTime, formatRate, formatRateAsBits, parseDuration, parseHostPort, parseMediaTime, parseRate, UsageError } from '../src/index.js';

describe('parseRate', () => {
  it('reads bits when written "bit" and bytes otherwise, with k/m/g as powers of 1000 and Ki/Mi as powers of 1024', () => {
    expect(parseRate('--x', '2mbit')).toBe(250_000);
    expect(parseRate('--x', '500kbit')).toBe(62_500);
    expect(parseRate('--x', '500k')).toBe(500_000);
    expect(parseRate('--x', '1.5MB/s')).toBe(1_500_000);
    expect(parseRate('--x', '1MiB/s')).toBe(1_048_576);
    expect(parseRate('--x', '8000bps')).toBe(1000);
    expect(parseRate('--x', '4000000bit')).toBe(500_000);
    expect(parseRate('--x', '4Mbit/s')).toBe(500_000);
    expect(parseRate('--x', '512kbit/s')).toBe(64_000);
    expect(parseRate('--x', '4 mbit')).toBe(500_000);
  });

  it('reads back what formatRateAsBits writes', () => {
    expect(formatRateAsBits(148_000)).toBe('1184000bit');
    expect(parseRate('--x', formatRateAsBits(148_000))).toBe(148_000);
  });

  it('refuses what is not a rate, naming the flag', () => {
    for (const text of ['', 'fast', '0', '-1mbit', '2 mbits per hour']) {
      expect(() => parseRate('--upload-limit', text)).toThrow(UsageError);
      expect(() => parseRate('--upload-limit', text)).toThrow(/--upload-limit takes a rate like/);
    }
  });
});

describe('parseDuration', () => {
  it('reads seconds, bare or with s, milliseconds with ms, minutes with m and hours with h, with or without a space', () => {
    expect(parseDuration('--x', '4', 0, 60_000)).toBe(4000);
    expect(parseDuration('--x', '4s')).toBe(4000);
    expect(parseDuration('--x', '4 s')).toBe(4000);
    expect(parseDuration('--x', '250ms')).toBe(250);
    expect(parseDuration('--x', '1.5m')).toBe(90_000);
    expect(parseDuration('--x', '1h')).toBe(3_600_000);
    expect(parseDuration('--x', '2.5s', 0, 60_000)).toBe(2500);
    expect(parseDuration('--x', '1500ms', 0, 60_000)).toBe(1500);
    expect(parseDuration('--x', '1m', 0, 60_000)).toBe(60_000);
    expect(parseDuration('--x', '0', 0, 60_000)).toBe(0);
  });

  it('refuses what is not a time or is out of range, naming the flag and the range', () => {
    for (const text of ['', 'soon', '-1s', '2h', '61s', '4 sec']) {
      expect(() => parseDuration('--behind', text, 0, 60_000)).toThrow(/--behind takes a duration from 0 s to 60 s, like 500ms, 4s or 2m/);
    }
  });

  it('refuses nothing-long durations by default, and says the grammar without a range when there is no upper bound', () => {
    expect(() => parseDuration('--ttl', '0')).toThrow(/--ttl takes a duration like 500ms, 4s or 2m \(a bare number is seconds\), not "0"/);
    expect(() => parseDuration('--ttl', 'soon')).toThrow(UsageError);
  });
});

describe('parseMediaTime', () => {
  it('takes seconds, a clock, or units, into milliseconds', () => {
    const cases: Array<[string, number]> = [
      ['90', 90_000],
      ['12.5', 12_500],
      ['1:30', 90_000],
      ['1:02:03', 3_723_000],
      ['0:05.5', 5_500],
      ['90s', 90_000],
      ['1h2m', 3_720_000],
      ['2m30s', 150_000],
      ['1500ms', 1_500],
      ['0', 0],
    ];
    for (const [text, ms] of cases) expect(parseMediaTime('--from', text), text).toBe(ms);
  });

  it('refuses what is no time, naming the flag and the forms it takes', () => {
    for (const text of ['', 'soon', '-1', '1:60', '1::2', '1:2:3:4', '5 s', 's', '1h-2m']) {
      expect(() => parseMediaTime('--from', text), text).toThrow(/--from takes a time into the stream like 90, 1:30, 1:02:03, 90s or 1h2m/);
    }
  });

  it('writes a time back as a clock', () => {
    expect(formatMediaTime(20_021)).toBe('0:20');
    expect(formatMediaTime(3_723_000)).toBe('1:02:03');
  });
});

describe('parseHostPort', () => {
  it('takes HOST:PORT, [v6]:PORT, or a bare PORT on the default host', () => {
    expect(parseHostPort('--http', '127.0.0.9:80', '127.0.0.1')).toEqual({ host: '127.0.0.9', port: 80 });
    expect(parseHostPort('--http', '[::1]:8080', '127.0.0.1')).toEqual({ host: '::1', port: 8080 });
    expect(parseHostPort('--http', '8080', '127.0.0.1')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(() => parseHostPort('--http', 'localhost', '127.0.0.1')).toThrow(/--http takes HOST:PORT/);
  });

  it('takes no bare PORT without a default host, and wants IPv6 in brackets', () => {
    expect(parseHostPort('--http', 'example.org:8045')).toEqual({ host: 'example.org', port: 8045 });
    expect(() => parseHostPort('--http', '8045')).toThrow(/--http takes HOST:PORT or \[IPv6\]:PORT/);
    expect(() => parseHostPort('--http', '::1:8045')).toThrow(/--http: put an IPv6 address in brackets, like \[::1\]:8080/);
    expect(() => parseHostPort('--http', '127.0.0.1:65536')).toThrow(/--http takes a whole number from 0 to 65535/);
  });
});

describe('formatRate', () => {
  it('says rates in B/s, kB/s and MB/s', () => {
    expect([formatRate(12), formatRate(250_000), formatRate(1_250_000)]).toEqual(['12 B/s', '250 kB/s', '1.3 MB/s']);
  });
});
