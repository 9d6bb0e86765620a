import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { watchUrls, type InterfaceList } from './watch-url.js';

const v4 = (address: string, internal = false): NetworkInterfaceInfo => ({ address, family: 'IPv4', internal, netmask: '255.255.255.0', mac: '00:00:00:00:00:00', cidr: null });
const v6 = (address: string): NetworkInterfaceInfo => ({ address, family: 'IPv6', internal: false, netmask: 'ffff:ffff:ffff:ffff::', mac: '00:00:00:00:00:00', scopeid: 0, cidr: null });
const machine: InterfaceList = {
  lo: [v4('127.0.0.1', true)],
  docker0: [v4('172.17.0.1')],
  wlan0: [v6('fe80::1'), v6('2001:db8::5'), v4('192.168.1.20')],
};

describe('watchUrls', () => {
  it('gives the watch page on the address central is bound to, and no LAN URL for one address', () => {
    expect(watchUrls('127.0.0.1', 8045, 'demo', machine)).toEqual({ local: 'http://127.0.0.1:8045/watch/demo' });
    expect(watchUrls('::1', 8045, 'a b', machine)).toEqual({ local: 'http://[::1]:8045/watch/a%20b' });
  });

  it("bound to every interface, opens on loopback here and at the LAN's IPv4 address elsewhere, before a container's", () => {
    expect(watchUrls('0.0.0.0', 8045, 'demo', machine)).toEqual({ local: 'http://127.0.0.1:8045/watch/demo', lan: 'http://192.168.1.20:8045/watch/demo' });
    expect(watchUrls('0.0.0.0', 8045, 'demo', { lo: machine.lo, docker0: machine.docker0 }).lan).toBe('http://172.17.0.1:8045/watch/demo');
  });

  it('offers IPv6 only when bound to ::, never a link-local address, and no LAN URL on a machine without a network', () => {
    expect(watchUrls('::', 8045, 'demo', { wlan0: [v6('fe80::1'), v6('2001:db8::5')] })).toEqual({
      local: 'http://[::1]:8045/watch/demo',
      lan: 'http://[2001:db8::5]:8045/watch/demo',
    });
    expect(watchUrls('0.0.0.0', 8045, 'demo', { wlan0: [v6('2001:db8::5')] })).toEqual({ local: 'http://127.0.0.1:8045/watch/demo' });
    expect(watchUrls('0.0.0.0', 8045, 'demo', { lo: machine.lo })).toEqual({ local: 'http://127.0.0.1:8045/watch/demo' });
  });
});
