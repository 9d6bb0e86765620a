import { parseInteger } from './numbers.js';
import { UsageError } from './usage-error.js';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/**
 * `HOST:PORT` or `[IPv6]:PORT`; with a `defaultHost`, also a bare `PORT` on it.
 * An IPv6 address must be in brackets, so its last group is never taken for the port.
 */
export function parseHostPort(flag: string, text: string, defaultHost?: string): HostPort {
  const trimmed = text.trim();
  const forms = defaultHost === undefined ? 'HOST:PORT or [IPv6]:PORT (e.g. 127.0.0.1:8080)' : 'HOST:PORT, [IPv6]:PORT or a PORT (e.g. 127.0.0.1:8080)';
  if (/^\d+$/.test(trimmed) && defaultHost !== undefined) return { host: defaultHost, port: parseInteger(flag, trimmed, 0, 65535) };
  const colon = trimmed.lastIndexOf(':');
  const written = colon > 0 ? trimmed.slice(0, colon) : '';
  const bracketed = /^\[(.+)\]$/.exec(written);
  const host = bracketed ? bracketed[1]! : written;
  if (!host) throw new UsageError(`${flag} takes ${forms}, not "${text}"`);
  if (!bracketed && host.includes(':')) throw new UsageError(`${flag}: put an IPv6 address in brackets, like [::1]:8080, not "${text}"`);
  return { host, port: parseInteger(flag, trimmed.slice(colon + 1), 0, 65535) };
}
