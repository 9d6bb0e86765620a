import { isIP } from 'node:net';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

/** What `os.networkInterfaces()` returns: interface name → its addresses. */
export type InterfaceList = NodeJS.Dict<NetworkInterfaceInfo[]>;

/** Interfaces of containers and VMs: their addresses are reachable from this machine only. */
const VIRTUAL_INTERFACE = /^(docker|br-|veth|virbr|vmnet|vboxnet|cni|flannel|tun|tap)/;

/** Where a browser opens the watch page: on this machine, and from another machine on the LAN when that can work. */
export interface WatchUrls {
  /** For a browser on this machine. */
  readonly local: string;
  /** For a browser on another machine of the LAN: only when central listens on every interface and this machine has a LAN address. */
  readonly lan?: string;
}

const isWildcard = (host: string): boolean => host === '0.0.0.0' || host === '::';

/**
 * The watch page of `stream` at central's `--http bind:port`. Bound to every interface
 * (0.0.0.0, ::), this machine opens it on loopback and other machines at a LAN address:
 * IPv4 first (IPv6 only when bound to ::), physical interfaces before those of containers
 * and VMs, never loopback or IPv6 link-local (a browser needs a scope for it).
 */
export function watchUrls(bind: string, port: number, stream: string, interfaces: InterfaceList = networkInterfaces()): WatchUrls {
  const url = (host: string) => `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}/watch/${encodeURIComponent(stream)}`;
  if (!isWildcard(bind)) return { local: url(bind) };
  const candidates: Array<{ address: string; rank: number }> = [];
  for (const [name, addresses] of Object.entries(interfaces)) {
    for (const info of addresses ?? []) {
      if (info.internal) continue;
      const ipv6 = info.family === 'IPv6';
      if (ipv6 && (bind === '0.0.0.0' || /^fe[89ab]/i.test(info.address))) continue;
      candidates.push({ address: info.address, rank: (ipv6 ? 2 : 0) + (VIRTUAL_INTERFACE.test(name) ? 1 : 0) });
    }
  }
  // A stable sort keeps the system's order within a rank.
  const lan = candidates.sort((a, b) => a.rank - b.rank)[0]?.address;
  return { local: url(bind === '::' ? '::1' : '127.0.0.1'), ...(lan ? { lan: url(lan) } : {}) };
}
