import { isIP } from 'node:net';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

/** What `os.networkInterfaces()` returns: interface name → its addresses. */
export type InterfaceList = NodeJS.Dict<NetworkInterfaceInfo[]>;

/** Interfaces of containers and VMs on this machine: their addresses are reachable from this machine only. */
const VIRTUAL_INTERFACE = /^(docker|br-|veth|virbr|vmnet|vboxnet|cni|flannel|tun|tap)/;

/** A host that only this machine can reach: a loopback address, `localhost`, or a wildcard (which dials as local). */
export function isLocalOnly(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || bare === '::1' || bare === '::' || bare === '0.0.0.0' || /^127\./.test(bare) || /^::ffff:127\./.test(bare);
}

/**
 * The host viewers on other machines reach a peer listening on `listenHost` at:
 * `listenHost` itself when it names one address; for a wildcard (0.0.0.0, ::),
 * an address of a network interface — IPv4 before IPv6, physical interfaces
 * before those of containers and VMs, never loopback or IPv6 link-local (which
 * needs a scope to dial) — and 127.0.0.1 when this machine has none.
 */
export function shareHost(listenHost: string, interfaces: InterfaceList = networkInterfaces()): string {
  if (listenHost !== '0.0.0.0' && listenHost !== '::') return listenHost;
  const candidates: Array<{ address: string; rank: number }> = [];
  for (const [name, addresses] of Object.entries(interfaces)) {
    for (const info of addresses ?? []) {
      if (info.internal || isLocalOnly(info.address)) continue;
      const ipv6 = info.family === 'IPv6';
      if (ipv6 && /^fe[89ab]/i.test(info.address)) continue;
      // An IPv4-only socket (0.0.0.0) cannot be reached on IPv6.
      if (ipv6 && listenHost === '0.0.0.0') continue;
      candidates.push({ address: info.address, rank: (ipv6 ? 2 : 0) + (VIRTUAL_INTERFACE.test(name) ? 1 : 0) });
    }
  }
  // A stable sort keeps the system's order within a rank.
  return candidates.sort((a, b) => a.rank - b.rank)[0]?.address ?? '127.0.0.1';
}

/** `host:port`, with an IPv6 address in brackets. */
export function hostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The `--central` addresses as viewers on other machines must give them: a
 * central this peer reaches on loopback runs on this machine, so others reach
 * it at `host` (this machine's shared address) on the same port. Unchanged when
 * `host` is itself local-only: then the viewers are on this machine too.
 */
export function shareCentrals(centrals: readonly string[], host: string): string[] {
  if (isLocalOnly(host)) return [...centrals];
  return centrals.map((central) => {
    const colon = central.lastIndexOf(':');
    const centralHost = central.slice(0, colon);
    return isLocalOnly(centralHost) ? hostPort(host, Number(central.slice(colon + 1))) : central;
  });
}

/**
 * A URL of central (its watch page) as viewers on other machines must open it: a central
 * this peer reaches on loopback runs on this machine, so others reach it at `host`, as in
 * `shareCentrals`. Unchanged when the URL's host is not local-only, or `host` itself is.
 */
export function shareUrl(url: string, host: string): string {
  const parsed = new URL(url);
  if (isLocalOnly(host) || !isLocalOnly(parsed.hostname)) return url;
  parsed.hostname = isIP(host) === 6 ? `[${host}]` : host;
  return parsed.href;
}
