import { dial, type CloseReason, type Connection, type Handlers } from '@p2pstream/connection';
import { MAX_SIGNAL_BYTES } from '@p2pstream/wire';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { RunningTracker, StartTrackerOptions } from '../src/index.js';
import { loopbackTrackers, overWebSocket } from './loopback-trackers.js';
import { inbox, json, publish, refusalOf } from './signal-peers.js';

const { opened, start } = loopbackTrackers();

/** A peer connection to central, over TCP from `localAddress` or over central's WebSocket endpoint. */
async function peer(running: RunningTracker, over: 'tcp' | 'ws', handlers: Handlers = {}, localAddress = '127.0.0.2'): Promise<Connection> {
  const connection =
    over === 'tcp'
      ? await dial('127.0.0.1', running.port, { role: 'peer', localAddress, handlers })
      : await overWebSocket('127.0.0.1', running.webSocketAddress!.port, { role: 'peer', handlers });
  opened.push(connection);
  return connection;
}

describe('central over WebSocket', () => {
  it('answers announce and lookup over a WebSocket as over TCP', async () => {
    const running = await start();
    const publisher = await peer(running, 'tcp');
    const key = await publish(publisher);
    await publisher.request({ t: 'announce', stream: key.streamId, port: 2050, edge: 0, live: true });

    const browser = await peer(running, 'ws');
    expect(await browser.request({ t: 'announce', stream: key.streamId, port: 40_001, edge: 0, live: true })).toMatchObject({ t: 'announced' });
    expect(await browser.request({ t: 'lookup', name: 'cam1', count: 5 })).toMatchObject({
      stream: key.streamId,
      peers: [{ host: '127.0.0.2', port: 2050 }],
    });
    const viewer = await peer(running, 'tcp', {}, '127.0.0.3');
    const found = await viewer.request({ t: 'lookup', name: 'cam1', count: 5 });
    expect(found.t === 'peers' && found.peers.map((p) => `${p.host}:${p.port}`).sort()).toEqual(['127.0.0.1:40001', '127.0.0.2:2050']);
    expect(running.connections).toBe(3);
  });

  it('applies the per-IP connection limit to WebSocket connections as to TCP ones', async () => {
    const running = await start({ maxConnectionsPerIp: 1 });
    await peer(running, 'ws');
    expect(await refusalOf(peer(running, 'ws'))).toBe('TOO_MANY_CONNECTIONS');
  });

  it('closes only the WebSocket that sends a malformed frame, a text message, or a message over the size cap', async () => {
    const running = await start({ limits: { maxControlBytes: 100_000 } });
    const bystander = await peer(running, 'ws');
    const url = `ws://127.0.0.1:${running.webSocketAddress!.port}/ws`;
    const attempts: Array<[string, (socket: WebSocket) => void]> = [
      ['a zero-length frame', (socket) => socket.send(Buffer.alloc(4))],
      ['a text message', (socket) => socket.send('{"t":"hello"}')],
      ['an oversized message', (socket) => socket.send(Buffer.alloc(200_000))],
    ];
    for (const [what, send] of attempts) {
      const socket = new WebSocket(url);
      await new Promise((resolve) => socket.once('open', resolve));
      const closed = new Promise<number>((resolve) => socket.once('close', resolve));
      send(socket);
      expect(await closed, what).toBeGreaterThan(0);
    }
    expect(await bystander.request({ t: 'list' })).toMatchObject({ t: 'streams' });
  });

  it('answers a request to another path with 404 and a plain GET with 426', async () => {
    const running = await start();
    const base = `127.0.0.1:${running.webSocketAddress!.port}`;
    const wrong = new WebSocket(`ws://${base}/elsewhere`);
    const status = await new Promise<number>((resolve) => wrong.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0)));
    // Ending an upgrade that was answered otherwise is reported as an error; it is the expected outcome here.
    wrong.once('error', () => undefined);
    wrong.terminate();
    expect(status).toBe(404);
    expect((await fetch(`http://${base}/ws`)).status).toBe(426);
  });
});

describe('signal', () => {
  async function swarm(options: StartTrackerOptions = {}) {
    const running = await start(options);
    const node = inbox();
    const browser = inbox();
    const publisher = await peer(running, 'tcp', node.handlers);
    const key = await publish(publisher);
    await publisher.request({ t: 'announce', stream: key.streamId, port: 2050, edge: 0, live: true, signals: true });
    const viewer = await peer(running, 'ws', browser.handlers);
    await viewer.request({ t: 'announce', stream: key.streamId, port: 40_001, edge: 0, live: true, signals: true });
    return { running, key, publisher, viewer, node, browser };
  }

  it('relays an offer from a WebSocket entry to a TCP entry and the answer back, naming the sender entry', async () => {
    const { running, key, publisher, viewer, node, browser } = await swarm();
    const offer = json({ type: 'offer', sdp: 'v=0' });
    const offerArrives = node.next();
    expect(await viewer.request({ t: 'signal', stream: key.streamId, host: '127.0.0.2', port: 2050, data: offer })).toMatchObject({ t: 'ok' });
    expect(await offerArrives).toEqual({ t: 'signaled', stream: key.streamId, host: '127.0.0.1', port: 40_001, data: offer });

    const answer = json({ type: 'answer', sdp: 'v=0' });
    const answerArrives = browser.next();
    await publisher.request({ t: 'signal', stream: key.streamId, host: '127.0.0.1', port: 40_001, data: answer });
    expect(await answerArrives).toEqual({ t: 'signaled', stream: key.streamId, host: '127.0.0.2', port: 2050, data: answer });
    expect(running.signals.counters.relayed).toBe(2);
  });

  it('refuses a signal to an entry nobody announces, and one after its entry left, keeping the connection', async () => {
    const { key, publisher, viewer } = await swarm();
    expect(await refusalOf(viewer.request({ t: 'signal', stream: key.streamId, host: '127.0.0.9', port: 2050, data: json({}) }))).toBe('SIGNAL_TARGET_GONE');
    await publisher.request({ t: 'leave', stream: key.streamId });
    expect(await refusalOf(viewer.request({ t: 'signal', stream: key.streamId, host: '127.0.0.2', port: 2050, data: json({}) }))).toBe('SIGNAL_TARGET_GONE');
    expect(await viewer.request({ t: 'list' })).toMatchObject({ t: 'streams' });
  });

  it('refuses a signal to an entry whose connection closed', async () => {
    const { key, publisher, viewer } = await swarm();
    await publisher.close();
    expect(await refusalOf(viewer.request({ t: 'signal', stream: key.streamId, host: '127.0.0.2', port: 2050, data: json({}) }))).toBe('SIGNAL_TARGET_GONE');
  });

  it('refuses a signal from a connection that has not announced the stream, keeping the connection', async () => {
    const { running, key } = await swarm();
    const stranger = await peer(running, 'ws');
    expect(await refusalOf(stranger.request({ t: 'signal', stream: key.streamId, host: '127.0.0.2', port: 2050, data: json({}) }))).toBe('NOT_ANNOUNCED');
    expect(await stranger.request({ t: 'lookup', name: 'cam1', count: 1 })).toMatchObject({ t: 'peers' });
  });

  it('refuses a signal to an entry that announced without signals, and never sends it one', async () => {
    const { running, key, viewer } = await swarm();
    const older = inbox();
    const plain = await peer(running, 'tcp', older.handlers, '127.0.0.4');
    await plain.request({ t: 'announce', stream: key.streamId, port: 2051, edge: 0, live: true });
    expect(await refusalOf(viewer.request({ t: 'signal', stream: key.streamId, host: '127.0.0.4', port: 2051, data: json({}) }))).toBe('SIGNALS_NOT_ACCEPTED');
    expect(older.received).toEqual([]);
  });

  it("refuses a payload over central's limit and keeps the connection; one over the wire's limit closes it", async () => {
    const { key, viewer, publisher } = await swarm({ signals: { maxSignalBytes: 64 } });
    const signal = { t: 'signal', stream: key.streamId, host: '127.0.0.2', port: 2050 } as const;
    expect(await refusalOf(viewer.request({ ...signal, data: Buffer.alloc(65, 0x20) }))).toBe('SIGNAL_TOO_LARGE');
    expect(await viewer.request({ ...signal, data: Buffer.alloc(64, 0x20) })).toMatchObject({ t: 'ok' });

    const closed = new Promise<CloseReason>((resolve) => viewer.once('close', resolve));
    // What an honest peer's encoder would never produce: written as raw bytes behind the connection's back.
    (viewer as unknown as { send(message: unknown): boolean }).send({ ...signal, id: 99, data: Buffer.alloc(MAX_SIGNAL_BYTES + 1) });
    expect(await closed).toMatchObject({ code: 'INVALID_FIELD', byRemote: true });
    expect(await publisher.request({ t: 'list' })).toMatchObject({ t: 'streams' });
  });

  it('refuses signals over the per-connection rate with RATE_LIMITED, keeping the connection', async () => {
    // A rate so low that no token comes back during the test: only the burst counts.
    const { key, viewer, publisher } = await swarm({ signals: { signalRate: 0.001, signalBurst: 2 } });
    const signal = { t: 'signal', stream: key.streamId, host: '127.0.0.2', port: 2050, data: json({ candidate: 'x' }) } as const;
    expect(await viewer.request(signal)).toMatchObject({ t: 'ok' });
    expect(await viewer.request(signal)).toMatchObject({ t: 'ok' });
    expect(await refusalOf(viewer.request(signal))).toBe('RATE_LIMITED');
    // The limit is per connection: the other entry still signals.
    expect(await publisher.request({ ...signal, host: '127.0.0.1', port: 40_001 })).toMatchObject({ t: 'ok' });
    expect(await viewer.request({ t: 'list' })).toMatchObject({ t: 'streams' });
  });
});
