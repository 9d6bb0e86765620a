import { UNIT_PREFIX } from './rates.js';
import { UsageError } from './usage-error.js';

/**
 * A byte size → bytes, a whole number of at least 1: `16MiB`, `512KiB`, `4Gi`
 * (powers of 1024), `64MB`, `500k` (powers of 1000, as in rates), or bare bytes.
 */
export function parseSize(flag: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ki|mi|gi|k|m|g)?b?$/i.exec(text.trim());
  const bytes = match ? Math.round(Number(match[1]) * UNIT_PREFIX[(match[2] ?? '').toLowerCase()]!) : NaN;
  if (!(bytes >= 1) || !Number.isSafeInteger(bytes)) {
    throw new UsageError(`${flag} takes a size like 16MiB, 512KiB or 64MB (Ki, Mi, Gi are powers of 1024; k, M, G of 1000), not "${text}"`);
  }
  return bytes;
}
