import { UNIT_PREFIX } from './rates.js';
import { UsageError } from './usage-error.js';

/**
 * A byte size → bytes, a whole number from 1 to `maxBytes`: `16MiB`, `512KiB`, `4Gi`
 * (powers of 1024), `64MB`, `500k` (powers of 1000, as in rates), or bare bytes.
 */
export function parseSize(flag: string, text: string, maxBytes = Number.MAX_SAFE_INTEGER): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ki|mi|gi|k|m|g)?b?$/i.exec(text.trim());
  const bytes = match ? Math.round(Number(match[1]) * UNIT_PREFIX[(match[2] ?? '').toLowerCase()]!) : NaN;
  if (!(bytes >= 1) || !Number.isSafeInteger(bytes)) {
    throw new UsageError(`${flag} takes a size like 16MiB, 512KiB or 64MB (Ki, Mi, Gi are powers of 1024; k, M, G of 1000), not "${text}"`);
  }
  if (bytes > maxBytes) throw new UsageError(`${flag} takes at most ${binarySize(maxBytes)}, not "${text}"`);
  return bytes;
}

/** `bytes` in the largest power-of-1024 unit that divides it exactly (a limit reads as it was written: 4GiB, not 4294967296). */
function binarySize(bytes: number): string {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes} bytes`;
}
