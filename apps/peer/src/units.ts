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

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/**
 * A position in a stream's media time → milliseconds: seconds (`90`, `12.5`),
 * clock style (`1:30`, `1:02:03.5`), or units (`90s`, `1h2m`, `2m30s`, `1500ms`).
 */
export function parseMediaTime(flag: string, text: string): number {
  const trimmed = text.trim();
  let ms = NaN;
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else if (/^\d+(?::[0-5]?\d){1,2}(?:\.\d+)?$/.test(trimmed)) {
    ms = trimmed.split(':').reduce((total, part) => total * 60 + Number(part), 0) * 1000;
  } else if (/^(?:\d+(?:\.\d+)?(?:h|ms|m|s))+$/.test(trimmed)) {
    ms = 0;
    for (const [, value, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s)/g)) ms += Number(value) * UNIT_MS[unit!]!;
  }
  if (!Number.isFinite(ms) || ms > Number.MAX_SAFE_INTEGER) {
    throw new UsageError(`${flag} takes a time into the stream like 90, 1:30, 1:02:03, 90s or 1h2m, not "${text}"`);
  }
  return Math.round(ms);
}

/** Milliseconds as a clock: `0:20`, `1:02:03`. */
export function formatMediaTime(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const [h, m, s] = [Math.floor(seconds / 3600), Math.floor(seconds / 60) % 60, seconds % 60];
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
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
