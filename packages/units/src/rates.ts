import { UsageError } from './usage-error.js';

/** k, m, g (either case) are powers of 1000; Ki, Mi, Gi powers of 1024. Shared with sizes. */
export const UNIT_PREFIX: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9, ki: 1024, mi: 1024 ** 2, gi: 1024 ** 3 };

/**
 * A rate → bytes per second: bits when written with "bit" or "bps" (`4Mbit/s`,
 * `512kbit`, `8000bps`), bytes otherwise (`500k`, `1.5MB/s`, `1MiB/s`), with
 * k, m, g as powers of 1000 and Ki, Mi, Gi of 1024. At least 1 byte per second.
 */
export function parseRate(flag: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ki|mi|gi|k|m|g)?(bits?(?:\/s)?|bps|b\/s|b)?$/i.exec(text.trim());
  const value = match ? Number(match[1]) * UNIT_PREFIX[(match[2] ?? '').toLowerCase()]! : NaN;
  const bits = /^bit|^bps$/i.test(match?.[3] ?? '');
  const bytesPerSecond = bits ? value / 8 : value;
  if (!(bytesPerSecond >= 1) || !Number.isFinite(bytesPerSecond)) {
    throw new UsageError(`${flag} takes a rate like 4mbit, 500k or 1.5MB/s (bits when written "bit", bytes otherwise), not "${text}"`);
  }
  return bytesPerSecond;
}

/** Bytes per second for people: `250 kB/s`, `1.2 MB/s`. */
export function formatRate(bytesPerSecond: number): string {
  if (bytesPerSecond >= 1e6) return `${(bytesPerSecond / 1e6).toFixed(1)} MB/s`;
  if (bytesPerSecond >= 1e3) return `${Math.round(bytesPerSecond / 1e3)} kB/s`;
  return `${Math.round(bytesPerSecond)} B/s`;
}

/** A rate written back in whole bits per second (`1184000bit`), as `parseRate` reads it exactly. */
export function formatRateAsBits(bytesPerSecond: number): string {
  return `${Math.round(bytesPerSecond * 8)}bit`;
}
