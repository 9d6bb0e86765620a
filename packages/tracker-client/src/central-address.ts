import { DEFAULT_CENTRAL_PORT } from './constants.js';
import { InvalidArgumentError } from './errors.js';

export interface CentralAddress {
  readonly host: string;
  readonly port: number;
  /** As given, for messages. */
  readonly label: string;
  /** Reached over WebSocket at this path (given as a `ws://` or `wss://` URL) instead of TCP. */
  readonly webSocket?: { readonly path: string; readonly secure: boolean };
}

/**
 * `host:port`, `[v6]:port`, or a bare host (port 2045) for TCP; a `ws://host:port/path`
 * or `wss://…` URL for central's WebSocket endpoint (where TCP cannot be opened: a browser).
 */
export function parseCentralAddress(text: string): CentralAddress {
  if (/^wss?:\/\//i.test(text.trim())) return parseWebSocketAddress(text.trim());
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d+))?$/.exec(text.trim());
  const host = match?.[1] ?? match?.[2];
  const port = match?.[3] === undefined ? DEFAULT_CENTRAL_PORT : Number(match[3]);
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidArgumentError(`a central address is host:port (e.g. 127.0.0.1:2045), not ${JSON.stringify(text)}`);
  }
  return { host, port, label: match?.[1] ? `[${host}]:${port}` : `${host}:${port}` };
}

function parseWebSocketAddress(text: string): CentralAddress {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || !url.hostname || url.search || url.hash || url.username) {
    throw new InvalidArgumentError(`a central's WebSocket address is a URL like ws://127.0.0.1:2044/ws, not ${JSON.stringify(text)}`);
  }
  const secure = url.protocol === 'wss:';
  const port = url.port === '' ? (secure ? 443 : 80) : Number(url.port);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port, label: `${url.protocol}//${url.host}${url.pathname}`, webSocket: { path: url.pathname, secure } };
}

/**
 * The centrals in the order one client prefers them: highest rendezvous hash
 * of (`affinity`, central) first. Clients with different affinities spread
 * evenly over the list, each always preferring the same one, and removing a
 * central moves only the clients that preferred it.
 */
export function rendezvousOrder(centrals: readonly CentralAddress[], affinity: string): CentralAddress[] {
  const score = (central: CentralAddress) => rendezvousScore(`${affinity}\n${central.label}`);
  return centrals
    .map((central) => ({ central, score: score(central) }))
    .sort((a, b) => b.score - a.score || (a.central.label < b.central.label ? -1 : 1))
    .map(({ central }) => central);
}

/**
 * A 53-bit hash of `text` (cyrb53: two multiply-xorshift lanes over its UTF-16 units), for
 * rendezvous scores only: it spreads evenly and needs no node:crypto, so a page orders
 * centrals the same way. Nothing depends on it being hard to invert.
 */
function rendezvousScore(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ unit, 2654435761);
    h2 = Math.imul(h2 ^ unit, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
