import { isIPv6 } from 'node:net';

/**
 * The key per-address limits count under. An IPv4 address stands for itself; an
 * IPv6 address is grouped by its /64, because one host is routinely given a whole
 * /64 and could otherwise take a fresh address for every connection.
 * `address` is already normalized (`normalizeAddress`): IPv4-mapped IPv6 is IPv4.
 */
export function addressGroup(address: string): string {
  if (!isIPv6(address)) return address;
  const words = expandIPv6(address);
  return `${words.slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit words of an IPv6 address, as lower-case hex without leading zeros. */
function expandIPv6(address: string): string[] {
  const withoutZone = address.split('%')[0]!;
  const [head = '', tail] = withoutZone.split('::') as [string, string | undefined];
  const words = (text: string): string[] => (text === '' ? [] : text.split(':').flatMap(wordsOf));
  const front = words(head);
  const back = tail === undefined ? [] : words(tail);
  const zeros = tail === undefined ? [] : Array<string>(8 - front.length - back.length).fill('0');
  return [...front, ...zeros, ...back].map((word) => Number.parseInt(word, 16).toString(16));
}

/** A trailing embedded IPv4 (`::ffff:1.2.3.4`, `64:ff9b::1.2.3.4`) is two words. */
function wordsOf(part: string): string[] {
  if (!part.includes('.')) return [part];
  const [a, b, c, d] = part.split('.').map(Number) as [number, number, number, number];
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}
