// node:net in a page: only the address checks wire and connection use (sockets stay in the
// Node entry points). Node's isIP also takes an IPv6 zone (`fe80::1%eth0`); a page never sees
// one on the wire, and this answers 0 for it.
const IPV4_PART = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]\\d|\\d)';
const IPV4 = new RegExp(`^(?:${IPV4_PART}\\.){3}${IPV4_PART}$`);
const IPV6_CHARACTERS = /^[0-9a-fA-F:.]+$/;

export function isIPv4(input: string): boolean {
  return IPV4.test(input);
}

export function isIPv6(input: string): boolean {
  if (!input.includes(':') || !IPV6_CHARACTERS.test(input)) return false;
  // The URL parser is the browser's own IPv6 parser (compressed forms, embedded IPv4).
  try {
    new URL(`http://[${input}]/`);
    return true;
  } catch {
    return false;
  }
}

export function isIP(input: string): 0 | 4 | 6 {
  return isIPv4(input) ? 4 : isIPv6(input) ? 6 : 0;
}
