import { parseRate, seededRandom, UsageError } from '@p2pstream/units';

/**
 * The viewers' uplinks in a shaped swarm: a mix of classes, each an uplink (a
 * multiple of the stream rate or a rate of its own) and the share of viewers
 * that have it, e.g. `0.5x:20,1.5x:50,3x:30`.
 */

export interface UplinkClass {
  /** As written: `1.5x`, `4mbit`. */
  label: string;
  bytesPerSecond: number;
  percent: number;
}

/** Home uplinks as issue 18 sets them: 20 % below the stream rate, 50 % a bit above it, 30 % well above it. */
export const DEFAULT_UPLINK_MIX = '0.5x:20,1.5x:50,3x:30';

/**
 * An uplink or upload limit: a multiple of the stream rate (`3x`) or a rate of its
 * own in the shared grammar (`5mbit`), in bytes per second.
 */
export function parseLimit(flag: string, text: string, streamBytesPerSecond: number): number {
  const multiple = /^(\d+(?:\.\d+)?)x$/i.exec(text.trim());
  if (!multiple) return parseRate(flag, text);
  const factor = Number(multiple[1]);
  if (!(factor > 0)) throw new UsageError(`${flag}: a multiple of the stream rate must be above 0, not "${text}"`);
  return factor * streamBytesPerSecond;
}

/** Parses `UPLINK:PERCENT,…`; the percentages must add up to 100. */
export function parseUplinkMix(text: string, streamBytesPerSecond: number): UplinkClass[] {
  const parts = text.split(',').map((part) => part.trim());
  const classes = parts.map((part) => {
    const match = /^([^:]+):(\d+(?:\.\d+)?)%?$/.exec(part);
    if (!match) throw new RangeError(`an uplink mix is like ${DEFAULT_UPLINK_MIX} (uplink:percent, …), not "${text}"`);
    const percent = Number(match[2]);
    if (!(percent > 0)) throw new RangeError(`each uplink class needs a share above 0 %, not "${part}"`);
    return { label: match[1]!.trim(), bytesPerSecond: parseLimit('--uplinks', match[1]!, streamBytesPerSecond), percent };
  });
  const total = classes.reduce((sum, entry) => sum + entry.percent, 0);
  if (Math.abs(total - 100) > 1e-9) throw new RangeError(`the shares of an uplink mix add up to 100, not ${total} ("${text}")`);
  return classes;
}

/**
 * One uplink per viewer slot (index 0 is slot 1): each class gets its share of
 * the viewers, rounded by largest remainder, and the slots are shuffled with a
 * fixed seed so that the early starters are not all of one class and a run
 * repeats exactly.
 */
export function assignUplinks(classes: readonly UplinkClass[], viewers: number, seed = 18): UplinkClass[] {
  const exact = classes.map((entry) => (entry.percent / 100) * viewers);
  const counts = exact.map(Math.floor);
  const order = exact.map((value, index) => ({ index, remainder: value - Math.floor(value) })).sort((a, b) => b.remainder - a.remainder);
  for (let i = 0, left = viewers - counts.reduce((a, b) => a + b, 0); i < left; i += 1) counts[order[i % order.length]!.index]! += 1;
  const list = classes.flatMap((entry, index) => Array.from({ length: counts[index]! }, () => entry));
  const random = seededRandom(seed);
  for (let i = list.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}

/**
 * Why the viewers' uplinks cannot carry the stream, or undefined when they can:
 * on average each viewer must pass on as much as it receives.
 */
export function capacityWarning(viewerUplinks: readonly number[], streamBytesPerSecond: number): string | undefined {
  if (viewerUplinks.length === 0) return undefined;
  const mean = viewerUplinks.reduce((a, b) => a + b, 0) / viewerUplinks.length;
  const multiple = mean / streamBytesPerSecond;
  if (multiple >= 1) return undefined;
  return (
    `the viewers' mean uplink is ${multiple.toFixed(2)}× the stream rate, below 1×: ` +
    'together they cannot pass on the whole stream to each other, so continuity must suffer unless the publisher makes up the rest'
  );
}
