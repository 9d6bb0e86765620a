import { UsageError } from './usage-error.js';

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

const seconds = (ms: number): string => `${ms / 1000} s`;

/**
 * A duration → milliseconds: a number with a unit, `250ms`, `4s`, `4 s`, `1.5m`,
 * `1h`, or a bare number of seconds (`2.5`). It must lie from `minMs` (default
 * 1 ms) to `maxMs` (default no limit).
 */
export function parseDuration(flag: string, text: string, minMs = 1, maxMs = Number.MAX_SAFE_INTEGER): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text.trim());
  const ms = match ? Math.round(Number(match[1]) * UNIT_MS[match[2] ?? 's']!) : NaN;
  if (!(ms >= minMs && ms <= maxMs)) {
    const range = maxMs < Number.MAX_SAFE_INTEGER ? ` from ${seconds(minMs)} to ${seconds(maxMs)},` : '';
    throw new UsageError(`${flag} takes a duration${range} like 500ms, 4s or 2m (a bare number is seconds), not "${text}"`);
  }
  return ms;
}

/**
 * A position in a stream's media time → milliseconds: seconds (`90`, `12.5`),
 * clock style (`1:30`, `1:02:03.5`), or units run together (`90s`, `1h2m`, `2m30s`, `1500ms`).
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
  const total = Math.floor(ms / 1000);
  const [h, m, s] = [Math.floor(total / 3600), Math.floor(total / 60) % 60, total % 60];
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}
