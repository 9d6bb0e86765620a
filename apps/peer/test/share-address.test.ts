import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { hostPort, isLocalOnly, shareCentrals, shareHost, shareUrl, type InterfaceList } from '../src/share-address.js';

const v4 = (address: string, internal = false): NetworkInterfaceInfo => ({
  address,
  netmask: '255.255.255.0',
  family: 'IPv4',
  mac: '02:00:00:00:00:01',
  internal,
  cidr: `${address}/24`,
});
const v6 = (address: string, internal = false): NetworkInterfaceInfo => ({
  address,
  netmask: 'ffff:ffff:ffff:ffff::',
  family: 'IPv6',
  mac: '02:00:00:00:00:01',
  internal,
  cidr: `${address}/64`,
  scopeid: 0,
});
const loopbackOnly: InterfaceList = { lo: [v4('127.0.0.1', true), v6('::1', true)] };

describe('shareHost', () => {
  it('gives the address --host names when it names one', () => {
    const lan: InterfaceList = { ...loopbackOnly, eth0: [v4('192.168.1.20')] };
    expect(shareHost('127.0.0.5', lan)).toBe('127.0.0.5');
    expect(shareHost('10.1.2.3', lan)).toBe('10.1.2.3');
    expect(shareHost('fd00::7', lan)).toBe('fd00::7');
  });

  it('picks a network interface address for a wildcard, never loopback', () => {
    const lan: InterfaceList = { ...loopbackOnly, eth0: [v6('fe80::1'), v6('fd00::2'), v4('192.168.1.20')] };
    expect(shareHost('0.0.0.0', lan)).toBe('192.168.1.20');
    expect(shareHost('::', lan)).toBe('192.168.1.20');
  });

  it('prefers a physical interface to a container bridge listed before it', () => {
    const list: InterfaceList = { lo: loopbackOnly.lo, docker0: [v4('172.17.0.1')], 'br-5e1f': [v4('172.18.0.1')], wlan0: [v4('192.168.1.20')] };
    expect(shareHost('0.0.0.0', list)).toBe('192.168.1.20');
    expect(shareHost('0.0.0.0', { lo: loopbackOnly.lo, docker0: [v4('172.17.0.1')] })).toBe('172.17.0.1');
  });

  it('takes an IPv6 address only when there is no IPv4 one and the socket listens on ::, never a link-local one', () => {
    const v6Only: InterfaceList = { ...loopbackOnly, eth0: [v6('fe80::fc:ff:fe00:1'), v6('2001:db8::5')] };
    expect(shareHost('::', v6Only)).toBe('2001:db8::5');
    expect(shareHost('0.0.0.0', v6Only)).toBe('127.0.0.1');
    expect(shareHost('::', { ...loopbackOnly, eth0: [v6('fe80::1')] })).toBe('127.0.0.1');
  });

  it('falls back to 127.0.0.1 when this machine has only loopback', () => {
    expect(shareHost('0.0.0.0', loopbackOnly)).toBe('127.0.0.1');
    expect(shareHost('::', {})).toBe('127.0.0.1');
  });
});

describe('shareCentrals', () => {
  it('gives a central on loopback by the shared address, with its port', () => {
    expect(shareCentrals(['127.0.0.1:2045'], '192.168.1.20')).toEqual(['192.168.1.20:2045']);
    expect(shareCentrals(['localhost:2046', '[::1]:2047', '0.0.0.0:2048'], '192.168.1.20')).toEqual([
      '192.168.1.20:2046',
      '192.168.1.20:2047',
      '192.168.1.20:2048',
    ]);
    expect(shareCentrals(['127.0.0.1:2045'], '2001:db8::5')).toEqual(['[2001:db8::5]:2045']);
  });

  it('keeps a central on another machine, and every central when the shared address is itself loopback', () => {
    expect(shareCentrals(['10.0.0.9:2045', '127.0.0.1:2045'], '192.168.1.20')).toEqual(['10.0.0.9:2045', '192.168.1.20:2045']);
    expect(shareCentrals(['127.0.0.1:2045'], '127.0.0.1')).toEqual(['127.0.0.1:2045']);
    expect(shareCentrals(['127.0.7.1:3000'], '127.0.7.2')).toEqual(['127.0.7.1:3000']);
  });
});

describe('isLocalOnly and hostPort', () => {
  it('tells addresses only this machine reaches, and brackets IPv6 beside a port', () => {
    for (const host of ['127.0.0.1', '127.4.5.6', 'localhost', '::1', '[::1]', '0.0.0.0', '::', '::ffff:127.0.0.1']) expect(isLocalOnly(host), host).toBe(true);
    for (const host of ['192.168.1.20', 'fd00::2', 'central.example']) expect(isLocalOnly(host), host).toBe(false);
    expect(hostPort('192.168.1.20', 2050)).toBe('192.168.1.20:2050');
    expect(hostPort('fd00::2', 2050)).toBe('[fd00::2]:2050');
  });
});

describe('shareUrl', () => {
  it("gives central's watch page on loopback at the shared address, and leaves one on another machine or a loopback share alone", () => {
    expect(shareUrl('http://127.0.0.1:8045/watch/cam1', '192.168.1.20')).toBe('http://192.168.1.20:8045/watch/cam1');
    expect(shareUrl('http://127.0.0.1:8045/watch/cam1', '2001:db8::5')).toBe('http://[2001:db8::5]:8045/watch/cam1');
    expect(shareUrl('http://10.0.0.9:8045/watch/cam1', '192.168.1.20')).toBe('http://10.0.0.9:8045/watch/cam1');
    expect(shareUrl('http://127.0.0.1:8045/watch/cam1', '127.0.0.2')).toBe('http://127.0.0.1:8045/watch/cam1');
  });
});
