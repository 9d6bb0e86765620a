import { UsageError } from './usage-error.js';

/** A whole number from `min` to `max`, written in digits. */
export function parseInteger(flag: string, text: string, min: number, max: number): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag} takes a whole number from ${min} to ${max}, not "${text}"`);
  }
  return value;
}

/** A number above 0, like `5` or `2.5`. */
export function parsePositive(flag: string, text: string): number {
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(value > 0)) throw new UsageError(`${flag} takes a number above 0, not "${text}"`);
  return value;
}

/** A fraction from 0 to 1, like `0.25` or `.5`. */
export function parseFraction(flag: string, text: string): number {
  const value = Number(text);
  if (!/^\d*\.?\d+$/.test(text.trim()) || value < 0 || value > 1) throw new UsageError(`${flag} takes a fraction from 0 to 1, not "${text}"`);
  return value;
}
