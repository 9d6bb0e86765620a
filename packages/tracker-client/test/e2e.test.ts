import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startProgram, startRedisServer, stopAllPrograms, type RedisServer, type RunningProgram } from '../../../tools/testing/index.js';

/**
 * Real processes on 127.0.0.x: central (apps/central) and peers (test/fixtures/peer.ts,
 * each a TrackerClient dialing from its own loopback address).
 */
const CENTRAL = 'apps/central/src/main.ts';
const PEER = 'packages/tracker-client/test/fixtures/peer.ts';

function startCentral(port: number, flags: string[]): Promise<RunningProgram> {
  return startProgram(CENTRAL, ['--host', '127.0.0.1', '--port', String(port), ...flags], { readyLine: /central listening on/ });
}

async function startPeer(args: string[]): Promise<{ program: RunningProgram; stream: string }> {
  const program = await startProgram(PEER, args, { readyLine: /^ready [0-9a-f]{64}$/, stdin: 'pipe' });
  const [, stream] = (await program.waitForLine(/^ready ([0-9a-f]{64})$/))!;
  return { program, stream: stream! };
}

/** Asks a peer process to look `name` up; resolves with `host:port` strings, or the error code. */
async function lookupFrom(peer: RunningProgram, name: string): Promise<string[] | string> {
  const line = peer.nextLine(new RegExp(`^(peers ${name}|error )`), 10_000);
  peer.write(`lookup ${name}\n`);
  const fields = (await line).input!.split(' ');
  return fields[0] === 'error' ? fields[1]! : fields.slice(2).filter(Boolean).sort();
}

/** Looks up every `pollMs` until `accept` holds or `timeoutMs` passes; resolves with the last answer. */
async function lookupUntil(
  peer: RunningProgram,
  name: string,
  accept: (answer: string[] | string) => boolean,
  timeoutMs: number,
  pollMs = 100,
): Promise<string[] | string> {
  const deadline = Date.now() + timeoutMs;
  let answer = await lookupFrom(peer, name);
  while (!accept(answer) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    answer = await lookupFrom(peer, name);
  }
  return answer;
}

const same = (expected: string[]) => (answer: string[] | string) => JSON.stringify(answer) === JSON.stringify([...expected].sort());

afterAll(async () => {
  await stopAllPrograms();
});

describe('three peers and one central', () => {
  let port: number;
  let central: RunningProgram;
  const peers: Record<string, RunningProgram> = {};
  afterEach(async () => {
    await stopAllPrograms();
  });

  beforeAll(async () => {
    port = await freePort();
  });

  it('find each other, never themselves, and a peer that stops announcing is gone after the TTL', { timeout: 30_000 }, async () => {
    central = await startCentral(port, ['--interval', '300ms', '--ttl', '700ms', '--grace', '2s']);
    const at = (local: string) => ['--central', `127.0.0.1:${port}`, '--local', local, '--port', '2050'];
    const publisher = await startPeer(['publish', 'cam1', ...at('127.0.0.2')]);
    const [viewer3, viewer4] = await Promise.all([startPeer(['view', publisher.stream, ...at('127.0.0.3')]), startPeer(['view', publisher.stream, ...at('127.0.0.4')])]);
    peers['127.0.0.2'] = publisher.program;
    peers['127.0.0.3'] = viewer3.program;
    peers['127.0.0.4'] = viewer4.program;
    const all = Object.keys(peers).map((host) => `${host}:2050`);

    for (const [host, program] of Object.entries(peers)) {
      const others = all.filter((address) => !address.startsWith(`${host}:`));
      expect(await lookupUntil(program, 'cam1', same(others), 5_000)).toEqual(others.sort());
    }

    // Several intervals pass: the peers keep themselves announced.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(await lookupFrom(peers['127.0.0.2']!, 'cam1')).toEqual(['127.0.0.3:2050', '127.0.0.4:2050']);

    await peers['127.0.0.4']!.kill();
    expect(await lookupUntil(peers['127.0.0.2']!, 'cam1', same(['127.0.0.3:2050']), 5_000)).toEqual(['127.0.0.3:2050']);
    expect(central.stderr()).toBe('');
  });
});

describe('a central that is killed and restarted', () => {
  afterEach(async () => {
    await stopAllPrograms();
  });

  it('knows every peer again within one interval of coming back', { timeout: 30_000 }, async () => {
    const port = await freePort();
    const flags = ['--interval', '3s', '--ttl', '5s'];
    const central = await startCentral(port, flags);
    const at = (local: string) => ['--central', `127.0.0.1:${port}`, '--local', local, '--port', '2050'];
    const publisher = await startPeer(['publish', 'cam1', ...at('127.0.0.2')]);
    const viewers = await Promise.all([startPeer(['view', publisher.stream, ...at('127.0.0.3')]), startPeer(['view', publisher.stream, ...at('127.0.0.4')])]);
    expect(await lookupUntil(publisher.program, 'cam1', same(['127.0.0.3:2050', '127.0.0.4:2050']), 5_000)).toEqual([
      '127.0.0.3:2050',
      '127.0.0.4:2050',
    ]);

    // A crash: the restarted central starts empty (memory registry) and learns everything from the peers.
    await central.kill();
    expect(await lookupFrom(viewers[0]!.program, 'cam1')).toBe('CENTRAL_UNREACHABLE');
    await startCentral(port, flags);
    const expected = ['127.0.0.2:2050', '127.0.0.4:2050'];
    // One interval (3 s, ±10%) after central is back, the swarm is whole again.
    expect(await lookupUntil(viewers[0]!.program, 'cam1', same(expected), 3_300)).toEqual(expected);
  });
});

describe('two centrals sharing one Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await stopAllPrograms();
    await redis?.stop();
  });

  it('find a peer announced at one central from the other, fail over, and recover from a Redis restart', { timeout: 30_000 }, async () => {
    const [port1, port2] = [await freePort(), await freePort()];
    const flags = ['--registry', redis.url, '--interval', '400ms', '--ttl', '1s', '--grace', '2s'];
    const [central1, central2] = await Promise.all([startCentral(port1, flags), startCentral(port2, flags)]);
    const c1 = `127.0.0.1:${port1}`;
    const c2 = `127.0.0.1:${port2}`;
    const publisher = await startPeer(['publish', 'cam1', '--central', c1, '--local', '127.0.0.2', '--port', '2050']);
    const [viewer, both] = await Promise.all([
      startPeer(['view', publisher.stream, '--central', c2, '--local', '127.0.0.3', '--port', '2050']),
      startPeer(['view', publisher.stream, '--central', c1, '--central', c2, '--local', '127.0.0.4', '--port', '2050']),
    ]);
    const everyone = ['127.0.0.2:2050', '127.0.0.4:2050'];
    expect(await lookupUntil(viewer.program, 'cam1', same(everyone), 5_000)).toEqual(everyone);

    // Redis goes away: central answers REGISTRY_UNAVAILABLE, and the client says that (after
    // retrying), not that central is unreachable; when Redis is back (empty: it saved
    // nothing) the peers publish and announce again by themselves.
    await redis.stop();
    expect(await lookupUntil(viewer.program, 'cam1', (answer) => answer === 'REGISTRY_UNAVAILABLE', 5_000)).toBe('REGISTRY_UNAVAILABLE');
    redis = await startRedisServer({ port: redis.port });
    expect(await lookupUntil(viewer.program, 'cam1', same(everyone), 8_000)).toEqual(everyone);
    expect(central2.stderr()).toMatch(/lost Redis at redis:\/\/127\.0\.0\.1:\d+\/0/);
    expect(central2.stdout()).toMatch(/Redis at redis:\/\/127\.0\.0\.1:\d+\/0 is back/);

    // Central 1 dies: the peer that knows both centrals moves to central 2 and stays found;
    // the publisher, which knows only central 1, expires after the TTL.
    await central1.kill();
    expect(await lookupUntil(viewer.program, 'cam1', same(['127.0.0.4:2050']), 5_000)).toEqual(['127.0.0.4:2050']);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await lookupFrom(viewer.program, 'cam1')).toEqual(['127.0.0.4:2050']);
    expect(await lookupFrom(both.program, 'cam1')).toEqual(['127.0.0.3:2050']);
  });
});
