import { describe, expect, it } from 'vitest';
import { encodeFrame, hello } from '@p2pstream/wire';
import { AddressBans, type Refusal } from '../src/index.js';
import { createMemoryPair } from '../src/testing/index.js';
import { connectTo, memoryServer, turn } from './memory-helpers.js';
import { ManualClock } from '@p2pstream/units';

describe('AddressBans', () => {
  it('bans an address once its score reaches the threshold, for banMs, whatever port it comes from', () => {
    const clock = new ManualClock();
    const bans = new AddressBans({ threshold: 100, banMs: 60_000, clock });
    expect(bans.penalize('127.0.0.9', 60)).toBe(false);
    expect(bans.banned('127.0.0.9')).toBe(false);
    expect(bans.penalize('::ffff:127.0.0.9', 40)).toBe(true);
    expect(bans.banned('127.0.0.9')).toBe(true);
    expect(bans.banned('127.0.0.8')).toBe(false);
    clock.advance(59_999);
    expect(bans.banned('127.0.0.9')).toBe(true);
    clock.advance(1);
    expect(bans.banned('127.0.0.9')).toBe(false);
    expect(bans.size).toBe(0);
  });

  it('forgets misbehaviour that is spread out: the score decays by the threshold over banMs', () => {
    const clock = new ManualClock();
    const bans = new AddressBans({ threshold: 100, banMs: 60_000, clock });
    for (let i = 0; i < 10; i++) {
      expect(bans.penalize('127.0.0.9', 25)).toBe(false);
      clock.advance(15_000);
    }
  });

  it('counts an IPv6 /64 as one address', () => {
    const bans = new AddressBans({ threshold: 10 });
    bans.penalize('2001:db8:1:2::1', 10);
    expect(bans.banned('2001:db8:1:2::ffff')).toBe(true);
    expect(bans.banned('2001:db8:1:3::1')).toBe(false);
  });
});

describe('a server with bans', () => {
  it('bans an address after it breaks the protocol four times, and refuses it with BANNED while another address gets in', async () => {
    const server = memoryServer();
    const refusals: Refusal[] = [];
    server.on('refused', (refusal) => refusals.push(refusal));
    for (let i = 0; i < 4; i++) {
      const [mine, theirs] = createMemoryPair({ first: { address: '127.0.0.66', port: 41_000 + i } });
      mine.on('data', () => undefined);
      mine.on('error', () => undefined);
      server.accept(theirs);
      // A chunk where a hello must come: PROTOCOL_VIOLATION.
      mine.write(encodeFrame({ t: 'have', seq: 1 }));
      await new Promise<void>((resolve) => mine.once('close', () => resolve()));
      for (let turns = 0; turns < 20 && server.pendingHandshakes > 0; turns++) await turn();
    }
    expect(server.bans.banned('127.0.0.66')).toBe(true);
    await expect(connectTo(server, { pair: { first: { address: '127.0.0.66', port: 41_100 } } })).rejects.toMatchObject({
      remoteCode: 'BANNED',
      remoteMessage: expect.stringMatching(/127\.0\.0\.66 is banned here for 10 more minutes/),
    });
    expect(refusals.at(-1)).toMatchObject({ remoteAddress: '127.0.0.66', error: { code: 'BANNED' } });
    await expect(connectTo(server, { pair: { first: { address: '127.0.0.67', port: 41_101 } } })).resolves.toMatchObject({ state: 'open' });
  });

  it('does not count a version mismatch, which is an old program and not a hostile one', async () => {
    const server = memoryServer();
    for (let i = 0; i < 5; i++) {
      const [mine, theirs] = createMemoryPair({ first: { address: '127.0.0.68', port: 41_000 + i } });
      mine.on('data', () => undefined);
      server.accept(theirs);
      mine.write(encodeFrame({ ...hello('peer'), v: 99 }));
      await new Promise<void>((resolve) => mine.once('close', () => resolve()));
      for (let turns = 0; turns < 20 && server.pendingHandshakes > 0; turns++) await turn();
    }
    expect(server.pendingHandshakes).toBe(0);
    expect(server.bans.banned('127.0.0.68')).toBe(false);
  });
});
