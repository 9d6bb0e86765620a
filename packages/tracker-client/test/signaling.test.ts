import type { WebSocketConstructor } from '@p2pstream/connection';
import { generateStreamKey, newSession, signPublish } from '@p2pstream/data';
import type { RunningTracker, StartTrackerOptions } from '@p2pstream/tracker';
import { MAX_SIGNAL_BYTES } from '@p2pstream/wire';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { parseCentralAddress, TrackerClient, type ReceivedSignal, type TrackerClientOptions } from '../src/index.js';
import { addressOf, eventually, startCentral } from './central.js';

const SESSION = newSession();
const key = generateStreamKey();
const STREAM = key.streamId;
const publication = { name: 'cam1', publicKey: key.publicKey, live: true, session: SESSION, sign: (ts: number) => signPublish(key, 'cam1', ts, SESSION) };
const NodeWebSocket = WebSocket as unknown as WebSocketConstructor;

const toClose: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (toClose.length > 0) await toClose.pop()!();
});

async function central(options: StartTrackerOptions = {}): Promise<RunningTracker> {
  const running = await startCentral({ webSocket: { port: 0 }, ...options });
  toClose.push(() => running.close());
  return running;
}
function client(options: TrackerClientOptions): TrackerClient {
  const made = new TrackerClient({ requestTimeout: 2_000, connectTimeout: 2_000, WebSocket: NodeWebSocket, ...options });
  toClose.push(() => made.close());
  return made;
}
const webSocketAddressOf = (running: RunningTracker): string => `ws://127.0.0.1:${running.webSocketAddress!.port}/ws`;

/** Resolves with the next `signal` event of `tracker`. */
const nextSignal = (tracker: TrackerClient): Promise<ReceivedSignal> => new Promise((resolve) => tracker.once('signal', resolve));
const text = (value: string): Uint8Array => new TextEncoder().encode(value);

describe('parseCentralAddress with a WebSocket URL', () => {
  it('reads ws:// and wss:// URLs with their path, and refuses one with a query', () => {
    expect(parseCentralAddress('ws://127.0.0.1:2044/ws')).toEqual({
      host: '127.0.0.1',
      port: 2044,
      label: 'ws://127.0.0.1:2044/ws',
      webSocket: { path: '/ws', secure: false },
    });
    expect(parseCentralAddress('wss://[::1]/p2p/ws')).toMatchObject({ host: '::1', port: 443, webSocket: { path: '/p2p/ws', secure: true } });
    expect(() => parseCentralAddress('ws://127.0.0.1:2044/ws?token=1')).toThrow(/a URL like ws:\/\//);
  });
});

describe('TrackerClient over WebSocket with signaling', () => {
  it('publishes, announces and looks up over ws://, and exchanges an offer and an answer with a TCP peer', async () => {
    const running = await central();
    const node = client({ centrals: [addressOf(running)], localAddress: '127.0.0.2' });
    await node.publish(publication);
    await node.announce({ stream: STREAM, port: 2050, signals: true });
    const browser = client({ centrals: [webSocketAddressOf(running)] });
    await browser.announce({ stream: STREAM, port: 40_001, signals: true });
    expect((await browser.lookup('cam1')).peers).toEqual([{ host: '127.0.0.2', port: 2050, edge: 0 }]);

    const offer = nextSignal(node);
    await browser.signal(STREAM, { host: '127.0.0.2', port: 2050 }, text('{"type":"offer"}'));
    const received = await offer;
    expect(received).toMatchObject({ stream: STREAM, from: { host: '127.0.0.1', port: 40_001 } });
    expect(new TextDecoder().decode(received.data)).toBe('{"type":"offer"}');

    const answer = nextSignal(browser);
    await node.signal(STREAM, received.from, text('{"type":"answer"}'));
    expect(new TextDecoder().decode((await answer).data)).toBe('{"type":"answer"}');
  });

  it('tells an entry that listens on no port (a watch page, signalsOnly) the host its peers know it by, and nobody else', async () => {
    const running = await central();
    const node = client({ centrals: [addressOf(running)], localAddress: '127.0.0.2' });
    await node.publish(publication);
    expect(await node.announce({ stream: STREAM, port: 2050, signals: true })).not.toHaveProperty('host');
    const page = client({ centrals: [webSocketAddressOf(running)] });
    expect(await page.announce({ stream: STREAM, port: 40_001, signals: true, signalsOnly: true })).toMatchObject({ host: '127.0.0.1' });
    const asker = client({ centrals: [addressOf(running)], localAddress: '127.0.0.3' });
    expect((await asker.lookup('cam1')).peers).toContainEqual({ host: '127.0.0.1', port: 40_001, edge: 0 });
  });

  it("passes central's refusal of a signal through with its code, and refuses to signal a stream it has not announced", async () => {
    const running = await central();
    const node = client({ centrals: [addressOf(running)], localAddress: '127.0.0.2' });
    await node.publish(publication);
    await node.announce({ stream: STREAM, port: 2050 });
    const browser = client({ centrals: [webSocketAddressOf(running)] });
    await expect(browser.signal(STREAM, { host: '127.0.0.2', port: 2050 }, text('{}'))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await browser.announce({ stream: STREAM, port: 40_001, signals: true });
    await expect(browser.signal(STREAM, { host: '127.0.0.2', port: 2050 }, new Uint8Array(MAX_SIGNAL_BYTES + 1))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(browser.signal(STREAM, { host: '127.0.0.2', port: 2050 }, text('{}'))).rejects.toMatchObject({ code: 'SIGNALS_NOT_ACCEPTED' });
    await expect(browser.signal(STREAM, { host: '127.0.0.9', port: 2050 }, text('{}'))).rejects.toMatchObject({ code: 'SIGNAL_TARGET_GONE' });
    expect((await browser.lookup('cam1')).stream).toBe(STREAM);
  });

  it('reconnects over ws:// after central restarts and announces again, so it can be signaled again', async () => {
    const first = await central({ interval: 200 });
    const port = first.port;
    const webSocketPort = first.webSocketAddress!.port;
    const browser = client({ centrals: [`ws://127.0.0.1:${webSocketPort}/ws`], minBackoff: 10 });
    const node = client({ centrals: [`127.0.0.1:${port}`], localAddress: '127.0.0.2', minBackoff: 10 });
    await node.publish(publication);
    await node.announce({ stream: STREAM, port: 2050, signals: true });
    await browser.announce({ stream: STREAM, port: 40_001, signals: true });
    const events: string[] = [];
    browser.on('connected', () => events.push('connected'));
    browser.on('disconnected', () => events.push('disconnected'));

    await first.close();
    const restarted = await central({ port, webSocket: { port: webSocketPort }, interval: 200 });
    await eventually(() => restarted.signals.routes === 2);
    const offer = nextSignal(browser);
    await node.signal(STREAM, { host: '127.0.0.1', port: 40_001 }, text('{"type":"offer"}'));
    expect((await offer).from).toEqual({ host: '127.0.0.2', port: 2050 });
    expect(events).toEqual(['disconnected', 'connected']);
  });
});

describe('TrackerClient.report', () => {
  const viewing = { played: 95, skipped: 5, lagMs: 3_000, bytesFromPeers: 900, bytesFromPublisher: 100, bytesUploaded: 400 };

  it("tells central how watching a stream it announced goes, and central counts it for this client's connection", async () => {
    const running = await central();
    const node = client({ centrals: [addressOf(running)], localAddress: '127.0.0.2' });
    await node.publish(publication);
    await node.announce({ stream: STREAM, port: 2050 });
    const browser = client({ centrals: [webSocketAddressOf(running)] });
    await browser.announce({ stream: STREAM, port: 40_001 });
    await browser.report(STREAM, viewing);
    expect(running.reports.summary()).toMatchObject({ viewers: 1, continuity: { worst: 0.95 }, lagMs: { worst: 3_000 }, peerShare: 0.9, bytesUploaded: 400 });
  });

  it('refuses a count that is not a whole number from 0 before sending it, and passes on central refusing a stream not announced', async () => {
    const running = await central();
    const node = client({ centrals: [addressOf(running)], localAddress: '127.0.0.2' });
    await node.publish(publication);
    await node.announce({ stream: STREAM, port: 2050 });
    const browser = client({ centrals: [webSocketAddressOf(running)] });
    await browser.lookup('cam1');
    await expect(browser.report(STREAM, { ...viewing, lagMs: 2.5 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('lag') });
    await expect(browser.report(STREAM, { ...viewing, skipped: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(browser.report(STREAM, viewing)).rejects.toMatchObject({ code: 'NOT_ANNOUNCED' });
    // Still connected: the refusals closed nothing.
    expect((await browser.lookup('cam1')).stream).toBe(STREAM);
    expect(running.reports.summary().viewers).toBe(0);
  });
});
