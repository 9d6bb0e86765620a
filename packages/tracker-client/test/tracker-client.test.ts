import { afterEach, describe, expect, it } from 'vitest';
import {
  CentralRefusedError,
  CentralUnreachableError,
  NameTakenError,
  parseCentralAddress,
  StreamNotFoundError,
  TrackerClient,
  type Publication,
  type TrackerClientOptions,
} from '../src/index.js';
import { freePort } from '../../../tools/testing/index.js';
import { eventually, FakeCentral, happyHandlers } from './fake-central.js';

const KEY = new Uint8Array(32).fill(7);
const STREAM = '07'.repeat(32);
const signed: number[] = [];
const publication: Publication = {
  name: 'cam1',
  publicKey: KEY,
  live: true,
  sign: (ts) => {
    signed.push(ts);
    return new Uint8Array(64).fill(1);
  },
};

const centrals: FakeCentral[] = [];
const clients: TrackerClient[] = [];
async function central(handlers = happyHandlers()): Promise<FakeCentral> {
  const fake = await FakeCentral.start(handlers);
  centrals.push(fake);
  return fake;
}
function client(options: TrackerClientOptions): TrackerClient {
  const made = new TrackerClient({ requestTimeout: 2_000, connectTimeout: 2_000, ...options });
  clients.push(made);
  return made;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(centrals.splice(0).map((c) => c.close()));
  signed.length = 0;
});

describe('parseCentralAddress', () => {
  it('reads host:port, [v6]:port and a bare host on port 2045', () => {
    expect(parseCentralAddress('127.0.0.1:2046')).toEqual({ host: '127.0.0.1', port: 2046, label: '127.0.0.1:2046' });
    expect(parseCentralAddress('[::1]:2046')).toEqual({ host: '::1', port: 2046, label: '[::1]:2046' });
    expect(parseCentralAddress('central.example')).toMatchObject({ host: 'central.example', port: 2045 });
  });

  it('refuses what is not an address with INVALID_ARGUMENT', () => {
    for (const bad of ['', ':2045', 'host:0', 'host:65536', 'a:b:c']) {
      expect(() => parseCentralAddress(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    expect(() => new TrackerClient({ centrals: [] })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('TrackerClient', () => {
  it('says which centrals it tried and how to start one when none answers', async () => {
    const [a, b] = [await freePort(), await freePort()];
    const tracker = client({ centrals: [`127.0.0.1:${a}`, `127.0.0.1:${b}`] });
    const error = await tracker.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CentralUnreachableError);
    expect((error as CentralUnreachableError).code).toBe('CENTRAL_UNREACHABLE');
    expect((error as Error).message).toContain(`127.0.0.1:${a}`);
    expect((error as Error).message).toContain(`127.0.0.1:${b}`);
    expect((error as Error).message).toContain('npx nx run central:serve');
  });

  it('fails over to the next central when the first refuses the connection', async () => {
    const fake = await central();
    const tracker = client({ centrals: [`127.0.0.1:${await freePort()}`, fake.address] });
    expect(await tracker.list()).toHaveLength(1);
    expect(tracker.central).toBe(fake.address);
  });

  it('fails over to the next central when one cannot reach its registry', async () => {
    const broken = await central({ list: (m, c) => void c.replyError(m, 'REGISTRY_UNAVAILABLE', 'redis is away') });
    const working = await central();
    const tracker = client({ centrals: [broken.address, working.address] });
    expect(await tracker.list()).toHaveLength(1);
    expect(broken.of('list')).toHaveLength(1);
    expect(tracker.central).toBe(working.address);
  });

  it('passes central refusals through as typed errors with central’s code, and keeps the connection', async () => {
    const fake = await central({
      ...happyHandlers(),
      publish: (m, c) => void c.replyError(m, 'NAME_TAKEN', 'the name cam1 belongs to another publisher key'),
      lookup: (m, c) => void c.replyError(m, 'STREAM_NOT_FOUND', 'no stream nope'),
      announce: (m, c) => void c.replyError(m, 'TOO_MANY_STREAMS', 'too many'),
    });
    const tracker = client({ centrals: [fake.address] });
    await expect(tracker.publish(publication)).rejects.toBeInstanceOf(NameTakenError);
    await expect(tracker.lookup('nope')).rejects.toBeInstanceOf(StreamNotFoundError);
    const refused = await tracker.announce({ stream: STREAM, port: 2050 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CentralRefusedError);
    expect(refused).toMatchObject({ code: 'TOO_MANY_STREAMS' });
    expect(tracker.announced).toEqual([]);
    expect(fake.connections).toHaveLength(1);
  });

  it('answers lookups and lists with what central said', async () => {
    const fake = await central();
    const tracker = client({ centrals: [fake.address] });
    expect(await tracker.lookup('cam1', { count: 5 })).toEqual({
      name: 'cam1',
      stream: 'a'.repeat(64),
      live: true,
      edge: 7,
      peers: [{ host: '127.0.0.9', port: 2050, edge: 7 }],
    });
    expect(fake.of('lookup')[0]).toMatchObject({ name: 'cam1', count: 5 });
  });

  it('publishes with the current time, signing every publish anew with a newer timestamp', async () => {
    const fake = await central();
    let now = 1_700_000_000_000;
    const tracker = client({ centrals: [fake.address], now: () => now });
    expect(await tracker.publish(publication)).toBe(STREAM);
    expect(await tracker.publish(publication)).toBe(STREAM);
    now -= 5;
    await tracker.publish(publication);
    expect(signed).toEqual([1_700_000_000_000, 1_700_000_000_001, 1_700_000_000_002]);
    expect(fake.of('publish').map((m) => m.ts)).toEqual(signed);
  });

  it('re-announces at the interval central hands out, with the latest edge', async () => {
    const fake = await central(happyHandlers(40));
    const tracker = client({ centrals: [fake.address] });
    const result = await tracker.announce({ stream: STREAM, port: 2050, edge: 1 });
    expect(result).toEqual({ interval: 40, ttl: 80 });
    tracker.update(STREAM, { edge: 9 });
    await eventually(() => fake.of('announce').length >= 4);
    expect(fake.of('announce').at(-1)).toMatchObject({ stream: STREAM, port: 2050, edge: 9, live: true });
  });

  it('after losing its central, reconnects, publishes again with a newer timestamp, then announces everything again', async () => {
    const fake = await central(happyHandlers(200));
    const tracker = client({ centrals: [fake.address], minBackoff: 10 });
    const events: string[] = [];
    tracker.on('connected', () => events.push('connected'));
    tracker.on('disconnected', () => events.push('disconnected'));
    await tracker.publish(publication);
    await tracker.announce({ stream: STREAM, port: 2050 });
    fake.received.length = 0;
    await fake.dropAll();
    await eventually(() => fake.of('announce').length >= 1);
    expect(fake.received.map((m) => m.t).slice(0, 2)).toEqual(['publish', 'announce']);
    expect(signed[1]).toBeGreaterThan(signed[0]!);
    expect(events).toEqual(['connected', 'disconnected', 'connected']);
  });

  it('publishes again when central has forgotten the stream while the connection stayed up', async () => {
    let forgotten = true;
    const fake = await central({
      ...happyHandlers(50),
      announce: (m, c) => {
        if (forgotten && fake.of('announce').length > 1) {
          forgotten = false;
          c.replyError(m, 'STREAM_NOT_FOUND', 'unknown stream');
        } else c.reply(m, { t: 'announced', interval: 50, ttl: 100 });
      },
    });
    const tracker = client({ centrals: [fake.address] });
    await tracker.publish(publication);
    await tracker.announce({ stream: STREAM, port: 2050 });
    await eventually(() => fake.of('publish').length === 2 && fake.received.at(-1)?.t === 'announce');
    expect(fake.received.map((m) => m.t).slice(0, 5)).toEqual(['publish', 'announce', 'announce', 'publish', 'announce']);
  });

  it('stops announcing and removes its entry on leave', async () => {
    const fake = await central(happyHandlers(30));
    const tracker = client({ centrals: [fake.address] });
    await tracker.announce({ stream: STREAM, port: 2050 });
    await tracker.leave(STREAM);
    const announces = fake.of('announce').length;
    expect(fake.of('leave')).toEqual([expect.objectContaining({ stream: STREAM })]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fake.of('announce')).toHaveLength(announces);
    expect(tracker.announced).toEqual([]);
  });

  it('leaves every stream on close and refuses calls afterwards with CLIENT_CLOSED', async () => {
    const fake = await central();
    const tracker = client({ centrals: [fake.address] });
    await tracker.announce({ stream: STREAM, port: 2050 });
    await tracker.announce({ stream: 'b'.repeat(64), port: 2050 });
    await tracker.close();
    expect(fake.of('leave').map((m) => m.stream).sort()).toEqual([STREAM, 'b'.repeat(64)].sort());
    await expect(tracker.list()).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
  });

  it('rejects with the signal’s reason when a call is aborted, before or while it waits', async () => {
    const fake = await central({ ...happyHandlers(), list: () => undefined });
    const tracker = client({ centrals: [fake.address] });
    await expect(tracker.lookup('cam1', { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    const controller = new AbortController();
    const pending = tracker.list({ signal: controller.signal });
    await eventually(() => fake.of('list').length === 1);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await expect(tracker.lookup('cam1')).resolves.toBeDefined();
  });
});
