import { describe, expect, it } from 'vitest';
import { hello } from '@p2pstream/wire';
import { addressGroup } from '../src/address-group.js';
import type { Refusal } from '../src/index.js';
import { connectTo, memoryServer, rawPeerOf, turn } from './memory-helpers.js';
import { ManualClock } from '@p2pstream/units';

const from = (address: string, port = 40_000) => ({ pair: { first: { address, port } } });

describe('per-address limits of a server', () => {
  it('gives one address only its share of the pending handshakes, so another address still gets in', async () => {
    const server = memoryServer({ limits: { maxPendingHandshakes: 64, maxPendingHandshakesPerIp: 8 } });
    const refusals: Refusal[] = [];
    server.on('refused', (refusal) => refusals.push(refusal));
    for (let i = 0; i < 20; i++) rawPeerOf(server, { first: { address: '127.0.0.9', port: 41_000 + i } });
    expect(server.pendingHandshakes).toBe(8);
    expect(refusals).toHaveLength(12);
    expect(refusals[0]!.error.message).toContain('127.0.0.9 already has 8 connections in their handshake');
    await expect(connectTo(server, from('127.0.0.2'))).resolves.toMatchObject({ state: 'open' });
  });

  it('refuses an address that opens connections faster than its rate once its burst is spent, and lets it in again as tokens refill', async () => {
    const clock = new ManualClock();
    const server = memoryServer({ clock, limits: { connectRatePerIp: 0.5, connectBurstPerIp: 3 } });
    const refusals: Refusal[] = [];
    server.on('refused', (refusal) => refusals.push(refusal));
    for (let i = 0; i < 3; i++) {
      const peer = rawPeerOf(server, { first: { address: '127.0.0.9', port: 41_000 + i } });
      peer.socket.destroy();
      await turn();
    }
    expect(refusals).toHaveLength(0);
    rawPeerOf(server, { first: { address: '127.0.0.9', port: 41_010 } });
    expect(refusals).toHaveLength(1);
    expect(refusals[0]!.error.message).toMatch(/127\.0\.0\.9 opens connections faster than 0\.5\/s \(burst 3\) — try again in 2 s/);
    // Another address has a bucket of its own.
    rawPeerOf(server, { first: { address: '127.0.0.2', port: 41_011 } });
    expect(refusals).toHaveLength(1);
    clock.advance(2000);
    rawPeerOf(server, { first: { address: '127.0.0.9', port: 41_012 } });
    expect(refusals).toHaveLength(1);
    expect(server.pendingHandshakes).toBe(2);
  });

  it('counts every address of one IPv6 /64 as one address', async () => {
    const server = memoryServer({ limits: { maxConnectionsPerIp: 2 } });
    const refusals: Refusal[] = [];
    server.on('refused', (refusal) => refusals.push(refusal));
    rawPeerOf(server, { first: { address: '2001:db8:1:2::1', port: 41_000 } });
    rawPeerOf(server, { first: { address: '2001:db8:1:2:ffff::9', port: 41_001 } });
    rawPeerOf(server, { first: { address: '2001:db8:1:2:abcd:1:2:3', port: 41_002 } });
    rawPeerOf(server, { first: { address: '2001:db8:1:3::1', port: 41_003 } });
    expect(refusals.map((r) => r.remoteAddress)).toEqual(['2001:db8:1:2:abcd:1:2:3']);
    expect(refusals[0]!.error.message).toContain('counted as 2001:db8:1:2::/64');
    expect(server.pendingHandshakes).toBe(3);
  });

  it('closes a connection that says hello and then asks for nothing within the first-message deadline', async () => {
    const clock = new ManualClock();
    const server = memoryServer({ clock, limits: { firstMessageTimeout: 15_000, idleTimeout: 120_000 } });
    const silent = rawPeerOf(server, { clock });
    silent.write(hello('peer') as never);
    await clock.run(0);
    expect(server.connections.size).toBe(1);
    await clock.run(14_999);
    expect(server.connections.size).toBe(1);
    await clock.run(1);
    expect(silent.messages).toContainEqual(expect.objectContaining({ t: 'error', code: 'IDLE_TIMEOUT', message: 'nothing asked within 15000 ms of the handshake' }));
    await clock.run(0);
    expect(server.connections.size).toBe(0);
  });

  it('keeps a connection that sends something after its hello past the first-message deadline', async () => {
    const clock = new ManualClock();
    const server = memoryServer({ clock, limits: { firstMessageTimeout: 15_000 } });
    const connection = await connectTo(server, { clock });
    connection.send({ t: 'have', seq: 1 });
    await turn();
    clock.advance(60_000);
    await turn();
    expect(connection.state).toBe('open');
    expect(server.connections.size).toBe(1);
  });
});

describe('addressGroup', () => {
  it('keeps IPv4 addresses as they are and cuts IPv6 addresses to their /64', () => {
    expect(addressGroup('127.0.0.9')).toBe('127.0.0.9');
    expect(addressGroup('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressGroup('2001:0db8:0000:0000:1:2:3:4')).toBe('2001:db8:0:0::/64');
    expect(addressGroup('::1')).toBe('0:0:0:0::/64');
    expect(addressGroup('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});
