/**
 * The address as a person would write it: an IPv4 client of a dual-stack
 * server shows up as `::ffff:127.0.0.1`, which would otherwise count as a
 * different IP from `127.0.0.1` for per-IP limits and in what central records.
 */
export function normalizeAddress(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
