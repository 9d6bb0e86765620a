import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import {
  ConnectionClosedError,
  dial,
  RemoteError,
  webSocketDial,
  type Connection,
  type RequestInput,
  type WebSocketConstructor,
} from '@p2pstream/connection';
import type { SignaledMessage } from '@p2pstream/wire';
import { WebSocket } from 'ws';
import { generateStreamKey, newSession, signHead, signPublish, type StreamKey } from '@p2pstream/data';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startProgram, stopAllPrograms, type RunningProgram } from '../../../tools/testing/index.js';
import { portIsFree } from '../src/free-port.js';

const SESSION = newSession();

const MAIN = 'apps/central/src/main.ts';
const READY = /central listening on (\S+):(\d+) \(registry: ([^)]+)\)(?:; status page at (\S+))?/;

afterAll(async () => {
  await stopAllPrograms();
});

/** Listeners on `count` consecutive ports of `host` (the OS picks the first; tried again when a neighbour is taken). */
async function adjacentBlockers(host: string, count: number): Promise<Server[]> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const first = await freePort(host);
    const blockers: Server[] = [];
    for (let i = 0; i < count; i++) {
      const blocker = createServer();
      const listening = await new Promise<boolean>((resolve) => {
        blocker.once('error', () => resolve(false));
        blocker.listen(first + i, host, () => resolve(true));
      });
      if (!listening) break;
      blockers.push(blocker);
    }
    if (blockers.length === count) return blockers;
    await Promise.all(blockers.map((blocker) => new Promise((resolve) => blocker.close(resolve))));
  }
  throw new Error(`found no ${count} free consecutive ports on ${host}`);
}

describe.concurrent('the central program', { timeout: 30_000 }, () => {
  it('prints accurate help and exits 0', async () => {
    const program = await startProgram(MAIN, ['--help']);
    expect(await program.exited).toEqual({ code: 0, signal: null });
    for (const flag of ['--host', '--port', '--registry', '--interval', '--ttl', '--grace', '--max-peers', '--announce-rate', '--max-streams-per-ip', '--max-connections', '--max-connections-per-ip', '--max-handshakes-per-ip', '--connect-rate-per-ip', '--connect-burst-per-ip', '--first-message-timeout', '--ban-score', '--ban-time', '--state', '--http', '--stats', '--help', '--version']) {
      expect(program.stdout()).toContain(flag);
    }
    expect(program.stdout()).toContain('npx nx run central:serve');
  });

  it('refuses an unknown flag or a bad value with exit code 2 and says which', async () => {
    const unknown = await startProgram(MAIN, ['--colour']);
    expect((await unknown.exited).code).toBe(2);
    expect(unknown.stderr()).toMatch(/--colour/);
    expect(unknown.stderr()).toMatch(/--help/);
    const bad = await startProgram(MAIN, ['--ttl', '1s', '--interval', '1s']);
    expect((await bad.exited).code).toBe(2);
    expect(bad.stderr()).toMatch(/TTL .* must be longer than the longest jittered interval/);
  });

  it('says the port is in use and which flag changes it', async () => {
    const port = await freePort();
    const first = await startProgram(MAIN, ['--host', '127.0.0.1', '--port', String(port)], { readyLine: READY });
    const second = await startProgram(MAIN, ['--host', '127.0.0.1', '--port', String(port)]);
    expect((await second.exited).code).toBe(1);
    expect(second.stderr()).toContain(`port ${port} on 127.0.0.1 is already in use`);
    expect(second.stderr()).toContain('--port');
    await first.stop();
  });

  it('suggests a port that is free when the one asked for is taken, not merely the next one', async () => {
    const host = '127.0.0.1';
    const blockers = await adjacentBlockers(host, 2);
    const [taken, next] = blockers.map((blocker) => (blocker.address() as AddressInfo).port);
    try {
      const program = await startProgram(MAIN, ['--host', host, '--port', String(taken)]);
      expect((await program.exited).code).toBe(1);
      const suggested = /--port (\d+) is free/.exec(program.stderr());
      expect(suggested, program.stderr()).not.toBeNull();
      const port = Number(suggested![1]);
      expect([taken, next]).not.toContain(port);
      expect(await portIsFree(host, port), `the suggested port ${port} is taken`).toBe(true);
    } finally {
      await Promise.all(blockers.map((blocker) => new Promise((resolve) => blocker.close(resolve))));
    }
  });

  it('says the status page port is in use and which flag changes it', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const taken = (blocker.address() as AddressInfo).port;
    try {
      const program = await startProgram(MAIN, ['--host', '127.0.0.1', '--port', '0', '--http', `127.0.0.1:${taken}`]);
      expect((await program.exited).code).toBe(1);
      expect(program.stderr()).toContain(`--http 127.0.0.1:${taken} is already in use — choose another port with --http HOST:PORT`);
    } finally {
      blocker.close();
    }
  });

  it('says which Redis it could not reach and how to start one', async () => {
    const port = await freePort();
    const program = await startProgram(MAIN, ['--port', '0', '--registry', `redis://127.0.0.1:${port}/0`]);
    expect((await program.exited).code).toBe(1);
    expect(program.stderr()).toContain(`redis://127.0.0.1:${port}/0`);
    expect(program.stderr()).toContain(`redis-server --port ${port}`);
  });
});

describe('a running central', { timeout: 15_000 }, () => {
  let central: RunningProgram;
  let port: number;
  let statusUrl: string;
  let statsDir: string;
  const opened: Connection[] = [];
  const key = generateStreamKey();

  const connect = async (from: string) => {
    const connection = await dial('127.0.0.1', port, { role: 'peer', localAddress: from });
    opened.push(connection);
    return connection;
  };
  const publish = (connection: Connection, k: StreamKey, name: string, ts = Date.now()) =>
    connection.request({ t: 'publish', name, key: k.publicKey, ts, live: true, session: SESSION, sig: signPublish(k, name, ts, SESSION) });
  /** Sends a message as given, bypassing the types, as a broken or hostile peer would. */
  const raw = (connection: Connection, message: Record<string, unknown>) => connection.request(message as unknown as RequestInput);
  /** The code a refused request came back with: central's `error` reply, or the error the connection was closed with. */
  const refusalCode = async (request: Promise<unknown>): Promise<string> => {
    const error = await request.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (error instanceof RemoteError) return error.remoteCode;
    if (error instanceof ConnectionClosedError) return error.reason.code;
    throw new Error(`expected a refusal, got ${String(error)}`);
  };

  beforeAll(async () => {
    port = await freePort();
    statsDir = mkdtempSync(join(tmpdir(), 'central-stats-'));
    central = await startProgram(
      MAIN,
      ['--host', '127.0.0.1', '--port', String(port), '--http', '127.0.0.1:0', '--stats', join(statsDir, 'stats.jsonl'), '--announce-rate', '5', '--max-streams-per-ip', '10', '--interval', '1s', '--ttl', '2s'],
      { readyLine: READY },
    );
    statusUrl = central.stdout().match(READY)![4]!;
    const publisher = await connect('127.0.0.2');
    await publish(publisher, key, 'cam1');
    // With its signed head: central believes the edge only as far as one.
    const head = signHead(key, SESSION, 12, Date.now());
    await publisher.request({ t: 'announce', stream: key.streamId, port: 2050, edge: 12, live: true, ts: head.ts, sig: head.sig });
  }, 30_000);
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    rmSync(statsDir, { recursive: true, force: true });
  });

  it('prints one plain line saying where it listens and with which registry', () => {
    const lines = central.stdout().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z central listening on 127\.0\.0\.1:\d+ \(registry: memory\); status page at http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('records the address it sees on the socket and answers look-ups from another peer', async () => {
    const viewer = await connect('127.0.0.3');
    const reply = await viewer.request({ t: 'lookup', name: 'cam1', count: 10 });
    expect(reply).toMatchObject({ name: 'cam1', stream: key.streamId, live: true, edge: 12, peers: [{ host: '127.0.0.2', port: 2050, edge: 12 }] });
  });

  const badInputs: Array<[string, Record<string, unknown>, string]> = [
    ['an empty name', { t: 'lookup', name: '', count: 5 }, 'INVALID_FIELD'],
    ['a 10 KB name', { t: 'lookup', name: 'a'.repeat(10_240), count: 5 }, 'INVALID_FIELD'],
    ['a name with ../', { t: 'lookup', name: '../etc', count: 5 }, 'INVALID_FIELD'],
    ['a name with NUL', { t: 'lookup', name: 'a\0b', count: 5 }, 'INVALID_FIELD'],
    ['port 0', { t: 'announce', stream: 'a'.repeat(64), port: 0, edge: 0, live: true }, 'INVALID_FIELD'],
    ['port 65536', { t: 'announce', stream: 'a'.repeat(64), port: 65536, edge: 0, live: true }, 'INVALID_FIELD'],
    ['port -1', { t: 'announce', stream: 'a'.repeat(64), port: -1, edge: 0, live: true }, 'INVALID_FIELD'],
    ['a count of 1e9', { t: 'lookup', name: 'cam1', count: 1e9 }, 'INVALID_FIELD'],
    ['a count of -5', { t: 'lookup', name: 'cam1', count: -5 }, 'INVALID_FIELD'],
  ];
  for (const [index, [what, message, code]] of badInputs.entries()) {
    it(`answers ${what} with ${code} and closes only that connection`, async () => {
      const bystander = await connect('127.0.0.4');
      // An address per offence: four protocol violations from one address would get it banned (a test of its own below).
      const offender = await connect(`127.0.5.${index + 1}`);
      expect(await refusalCode(raw(offender, message))).toBe(code);
      expect((await offender.closed).code).toBe(code);
      expect((await bystander.request({ t: 'list' })).streams.map((s) => s.name)).toContain('cam1');
    });
  }

  it('bans an address that breaks the protocol four times: its next connection is refused BANNED, others still get in', async () => {
    for (let i = 0; i < 4; i++) {
      const offender = await connect('127.0.6.1');
      expect(await refusalCode(raw(offender, { t: 'lookup', name: '', count: 5 }))).toBe('INVALID_FIELD');
      await offender.closed;
    }
    // Central scores the fourth offence when its side of that connection has closed, a moment after ours.
    let refused: unknown;
    for (let attempt = 0; attempt < 20 && !(refused instanceof RemoteError); attempt++) {
      refused = await connect('127.0.6.1').then(
        async (connection) => {
          await connection.close();
          await new Promise((resolve) => setTimeout(resolve, 100));
        },
        (error: unknown) => error,
      );
    }
    expect(refused).toBeInstanceOf(RemoteError);
    expect(refused).toMatchObject({ remoteCode: 'BANNED', remoteMessage: expect.stringContaining('127.0.6.1 is banned here for 10 more minutes') });
    const bystander = await connect('127.0.6.2');
    expect((await bystander.request({ t: 'list' })).streams.map((s) => s.name)).toContain('cam1');
  });

  it('answers a publish without a valid signature with BAD_SIGNATURE and closes that connection', async () => {
    const offender = await connect('127.0.0.6');
    const other = generateStreamKey();
    const ts = Date.now();
    const request = offender.request({ t: 'publish', name: 'fake', key: other.publicKey, ts, live: true, session: SESSION, sig: signPublish(key, 'fake', ts, SESSION) });
    expect(await refusalCode(request)).toBe('BAD_SIGNATURE');
    await offender.closed;
  });

  it('answers a leave for somebody else’s entry with NOT_ANNOUNCED and leaves the entry alone', async () => {
    const offender = await connect('127.0.0.2');
    expect(await refusalCode(offender.request({ t: 'leave', stream: key.streamId }))).toBe('NOT_ANNOUNCED');
    await offender.closed;
    const viewer = await connect('127.0.0.3');
    expect((await viewer.request({ t: 'lookup', name: 'cam1', count: 10 })).peers).toHaveLength(1);
  });

  it('answers another key’s publish of a taken name with NAME_TAKEN and keeps the connection', async () => {
    const other = await connect('127.0.0.7');
    expect(await refusalCode(publish(other, generateStreamKey(), 'cam1'))).toBe('NAME_TAKEN');
    expect((await other.request({ t: 'list' })).streams).toHaveLength(1);
  });

  it('rate-limits an announce flood from one address with RATE_LIMITED', async () => {
    const flooder = await connect('127.0.0.8');
    let code = '';
    for (let i = 0; i < 100 && !code; i++) {
      code = await flooder.request({ t: 'announce', stream: key.streamId, port: 3000, edge: 0, live: true }).then(
        () => '',
        (e: unknown) => (e instanceof RemoteError ? e.remoteCode : String(e)),
      );
    }
    expect(code).toBe('RATE_LIMITED');
    await flooder.closed;
  });

  it('bounds the distinct streams one address may publish with TOO_MANY_STREAMS', async () => {
    const greedy = await connect('127.0.0.9');
    for (let i = 0; i < 10; i++) await publish(greedy, generateStreamKey(), `greedy-${i}`);
    expect(await refusalCode(publish(greedy, generateStreamKey(), 'greedy-10'))).toBe('TOO_MANY_STREAMS');
  });

  it('serves a status page and /stats.json with streams, peers and rates', async () => {
    const page = await fetch(statusUrl);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain('<td>cam1</td>');
    expect(html).toContain('announces/s');
    expect(html).toContain('look-ups/s');
    const stats = (await (await fetch(new URL('/stats.json', statusUrl))).json()) as Record<string, unknown>;
    expect(stats).toMatchObject({ registry: 'memory', registryAvailable: true, streams: 1, peers: expect.any(Number) });
    expect(stats.perSecond).toMatchObject({ announces: expect.any(Number), lookups: expect.any(Number) });
    expect(stats.streamList).toEqual([expect.objectContaining({ name: 'cam1', stream: key.streamId, live: true })]);
    expect((await fetch(new URL('/nothing', statusUrl))).status).toBe(404);
  });

  it('appends a JSON line of statistics every second with --stats', async () => {
    const file = join(statsDir, 'stats.jsonl');
    const deadline = Date.now() + 5_000;
    let lines: string[] = [];
    while (lines.length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      lines = readFileSync(file, 'utf8').trim().split('\n').filter(Boolean);
    }
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ registry: 'memory', connections: expect.any(Number), totals: { publish: expect.any(Number) } });
  });

  it('closes its connections and exits 0 on SIGINT', async () => {
    const peer = await connect('127.0.0.3');
    const exit = await central.stop();
    expect(exit).toEqual({ code: 0, signal: null });
    expect((await peer.closed).code).toBe('SHUTTING_DOWN');
    expect(central.stdout()).toMatch(/Z central stopped \(SIGINT\)\n$/);
    expect(central.stdout().trim().split('\n')).toHaveLength(2);
    expect(central.stderr()).toBe('');
  });
});

describe('signals', { timeout: 30_000 }, () => {
  it('stops cleanly with exit code 0 on SIGTERM', async () => {
    const program = await startProgram(MAIN, ['--host', '127.0.0.1', '--port', '0'], { readyLine: READY });
    process.kill(program.pid, 'SIGTERM');
    expect(await program.exited).toEqual({ code: 0, signal: null });
    expect(program.stdout()).toContain('central stopped (SIGTERM)');
  });
});

describe('the central program with --ws', { timeout: 30_000 }, () => {
  it('says where it serves WebSocket, and relays a signal from a WebSocket peer to a TCP peer', async () => {
    const port = await freePort();
    const central = await startProgram(MAIN, ['--host', '127.0.0.1', '--port', String(port), '--ws', '0', '--state', 'none'], {
      readyLine: /WebSocket at ws:\/\/127\.0\.0\.1:(\d+)\/ws/,
    });
    const wsPort = Number(/WebSocket at ws:\/\/127\.0\.0\.1:(\d+)\/ws/.exec(central.stdout())![1]);
    const key = generateStreamKey();
    const received: SignaledMessage[] = [];
    let delivered!: () => void;
    const arrived = new Promise<void>((resolve) => (delivered = resolve));
    const node = await dial('127.0.0.1', port, {
      role: 'peer',
      localAddress: '127.0.0.2',
      handlers: {
        signaled: (message) => {
          received.push(message);
          delivered();
        },
      },
    });
    const browser = await webSocketDial({ WebSocket: WebSocket as unknown as WebSocketConstructor })('127.0.0.1', wsPort, { role: 'peer' });
    try {
      const ts = Date.now();
      await node.request({ t: 'publish', name: 'cam1', key: key.publicKey, ts, live: true, session: SESSION, sig: signPublish(key, 'cam1', ts, SESSION) });
      await node.request({ t: 'announce', stream: key.streamId, port: 2050, edge: 0, live: true, signals: true });
      await browser.request({ t: 'announce', stream: key.streamId, port: 40_001, edge: 0, live: true });
      await browser.request({ t: 'signal', stream: key.streamId, host: '127.0.0.2', port: 2050, data: Buffer.from('{"type":"offer"}') });
      await arrived;
    } finally {
      await browser.close();
      await node.close();
    }
    expect(received).toEqual([{ t: 'signaled', stream: key.streamId, host: '127.0.0.1', port: 40_001, data: Buffer.from('{"type":"offer"}') }]);
  });
});
