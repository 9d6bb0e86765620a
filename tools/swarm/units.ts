/**
 * The harness's command-line quantities. Rates use the peer program's grammar
 * (`2mbit`, `500k`, `1.5MB/s`): bits when written with "bit", bytes otherwise;
 * k, m, g are powers of 1000.
 */

const PREFIX: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9 };

/** A rate in bytes per second. */
export function parseRate(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]?)(bits?(?:\/s)?|bps|b\/s|b)?$/i.exec(text.trim());
  if (!match) throw new RangeError(`a rate is like 2mbit, 500kbit, 250k or 1.5MB/s, not "${text}"`);
  const value = Number(match[1]) * PREFIX[match[2]!.toLowerCase()]!;
  const unit = match[3] ?? '';
  const bits = /^bit|^bps$/i.test(unit);
  const bytesPerSecond = bits ? value / 8 : value;
  if (!(bytesPerSecond > 0)) throw new RangeError(`a rate must be above 0, not "${text}"`);
  return bytesPerSecond;
}

/** A rate as the peer's `--upload-limit` takes it: whole bits per second, e.g. `1184000bit`. */
export function formatRateAsBits(bytesPerSecond: number): string {
  return `${Math.round(bytesPerSecond * 8)}bit`;
}

/** `500ms`, `60s`, `2m`, or a bare number of seconds → milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  const unit = match?.[2] ?? 's';
  const ms = match ? Number(match[1]) * (unit === 'ms' ? 1 : unit === 's' ? 1000 : 60_000) : NaN;
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`a duration is like 500ms, 60s or 2m, not "${text}"`);
  return Math.round(ms);
}

/**
 * The publisher's upload limit: a multiple of the stream rate (`3x`) or a rate of its
 * own (`5mbit`), in bytes per second.
 */
export function parseLimit(text: string, streamBytesPerSecond: number): number {
  const multiple = /^(\d+(?:\.\d+)?)x$/i.exec(text.trim());
  if (multiple) {
    const factor = Number(multiple[1]);
    if (!(factor > 0)) throw new RangeError(`a multiple of the stream rate must be above 0, not "${text}"`);
    return factor * streamBytesPerSecond;
  }
  return parseRate(text);
}

/** A fraction from 0 to 1. */
export function parseFraction(text: string): number {
  const value = Number(text);
  if (!/^\d*\.?\d+$/.test(text.trim()) || value < 0 || value > 1) throw new RangeError(`a fraction is a number from 0 to 1, not "${text}"`);
  return value;
}
