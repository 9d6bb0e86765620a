import { UsageError } from './usage-error.js';

const PREFIX: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9 };
const BINARY: Record<string, number> = { ki: 1024, mi: 1024 ** 2, gi: 1024 ** 3 };

/**
 * A rate in bytes per second: `2mbit` (bits when written with "bit"), `500k`,
 * `1.5MB/s`, `1MiB/s` (bytes otherwise). k, m, g are powers of 1000; Ki, Mi, Gi of 1024.
 */
export function parseRate(flag: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ki|mi|gi|k|m|g)?(bits?(?:\/s)?|bps|b\/s|b)?$/i.exec(text.trim());
  const prefix = match?.[2]?.toLowerCase() ?? '';
  const value = match ? Number(match[1]) * (BINARY[prefix] ?? PREFIX[prefix]!) : NaN;
  const bits = /^bit|^bps$/i.test(match?.[3] ?? '');
  const bytesPerSecond = bits ? value / 8 : value;
  if (!(bytesPerSecond >= 1) || !Number.isFinite(bytesPerSecond)) {
    throw new UsageError(`${flag} takes a rate like 2mbit, 500k or 1.5MB/s (bits when written "bit", bytes otherwise), not "${text}"`);
  }
  return bytesPerSecond;
}

/** A whole number from `min` to `max`. */
export function parseInteger(flag: string, text: string, min: number, max: number): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag} takes a whole number from ${min} to ${max}, not "${text}"`);
  }
  return value;
}

/** `4s`, `1500ms`, `1m`, or a bare number of seconds, from `minMs` to `maxMs` → milliseconds. */
export function parseDuration(flag: string, text: string, minMs: number, maxMs: number): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/.exec(text.trim());
  const unit = match?.[2] ?? 's';
  const ms = match ? Math.round(Number(match[1]) * (unit === 'ms' ? 1 : unit === 's' ? 1000 : 60_000)) : NaN;
  if (!(ms >= minMs && ms <= maxMs)) {
    throw new UsageError(`${flag} takes a time from ${minMs / 1000} s to ${maxMs / 1000} s, like 4s, 2.5 or 1500ms, not "${text}"`);
  }
  return ms;
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** `HOST:PORT`, `[v6]:PORT`, or a bare `PORT` (then on `defaultHost`). */
export function parseHostPort(flag: string, text: string, defaultHost: string): HostPort {
  if (/^\d+$/.test(text.trim())) return { host: defaultHost, port: parseInteger(flag, text, 0, 65535) };
  const colon = text.lastIndexOf(':');
  const host = colon > 0 ? text.slice(0, colon).replace(/^\[(.*)\]$/, '$1') : '';
  if (!host) throw new UsageError(`${flag} takes HOST:PORT (e.g. 127.0.0.1:8080) or a PORT, not "${text}"`);
  return { host, port: parseInteger(flag, text.slice(colon + 1), 0, 65535) };
}

/** Bytes per second for people: `250 kB/s`, `1.2 MB/s`. */
export function formatRate(bytesPerSecond: number): string {
  if (bytesPerSecond >= 1e6) return `${(bytesPerSecond / 1e6).toFixed(1)} MB/s`;
  if (bytesPerSecond >= 1e3) return `${Math.round(bytesPerSecond / 1e3)} kB/s`;
  return `${Math.round(bytesPerSecond)} B/s`;
}
