import { createHash } from 'node:crypto';
import { DEFAULT_CENTRAL_PORT } from './constants.js';
import { InvalidArgumentError } from './errors.js';

export interface CentralAddress {
  readonly host: string;
  readonly port: number;
  /** As given, for messages. */
  readonly label: string;
}

/** `host:port`, `[v6]:port`, or a bare host (port 2045). */
export function parseCentralAddress(text: string): CentralAddress {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d+))?$/.exec(text.trim());
  const host = match?.[1] ?? match?.[2];
  const port = match?.[3] === undefined ? DEFAULT_CENTRAL_PORT : Number(match[3]);
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidArgumentError(`a central address is host:port (e.g. 127.0.0.1:2045), not ${JSON.stringify(text)}`);
  }
  return { host, port, label: match?.[1] ? `[${host}]:${port}` : `${host}:${port}` };
}

/**
 * The centrals in the order one client prefers them: highest rendezvous hash
 * of (`affinity`, central) first. Clients with different affinities spread
 * evenly over the list, each always preferring the same one, and removing a
 * central moves only the clients that preferred it.
 */
export function rendezvousOrder(centrals: readonly CentralAddress[], affinity: string): CentralAddress[] {
  const score = (central: CentralAddress) => createHash('sha256').update(`${affinity}\n${central.label}`).digest().readUIntBE(0, 6);
  return centrals
    .map((central) => ({ central, score: score(central) }))
    .sort((a, b) => b.score - a.score || (a.central.label < b.central.label ? -1 : 1))
    .map(({ central }) => central);
}
