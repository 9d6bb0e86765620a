import { dial, RemoteError, type Connection } from '@p2pstream/connection';
import { generateStreamKey, newSession, signPublish, type StreamKey } from '@p2pstream/data';
import { encodeFrame, type Message } from '@p2pstream/wire';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { summarizeReports, type RunningTracker, type ViewerReport } from '../src/index.js';
import { loopbackTrackers, overWebSocket } from './loopback-trackers.js';

const SESSION = newSession();
const { opened, start } = loopbackTrackers();

async function page(running: RunningTracker): Promise<Connection> {
  const connection = await overWebSocket('127.0.0.1', running.webSocketAddress!.port, { role: 'peer' });
  opened.push(connection);
  return connection;
}

/** A publisher on TCP with its stream published and announced. */
async function publisher(running: RunningTracker): Promise<StreamKey> {
  const connection = await dial('127.0.0.1', running.port, { role: 'peer', localAddress: '127.0.0.2' });
  opened.push(connection);
  const key = generateStreamKey();
  const ts = Date.now();
  await connection.request({ t: 'publish', name: 'cam1', key: key.publicKey, ts, live: true, session: SESSION, sig: signPublish(key, 'cam1', ts, SESSION) });
  await connection.request({ t: 'announce', stream: key.streamId, port: 2050, edge: 0, live: true });
  return key;
}

const report = (fields: Partial<ViewerReport> = {}) => ({ played: 99, skipped: 1, lag: 2_000, fromPeers: 750, fromPublisher: 250, uploaded: 500, ...fields });
const refusalOf = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'ACCEPTED',
    (error: unknown) => (error instanceof RemoteError ? error.remoteCode : String(error)),
  );

describe('summarizeReports', () => {
  it('gives mean and worst continuity and lag, and the share of bytes that came from peers', () => {
    const qoe = summarizeReports([report(), report({ played: 80, skipped: 20, lag: 6_000, fromPeers: 0, fromPublisher: 1_000, uploaded: 0 })], 2);
    expect(qoe.viewers).toBe(2);
    expect(qoe.continuity).toEqual({ mean: (0.99 + 0.8) / 2, worst: 0.8 });
    expect(qoe.lagMs).toEqual({ mean: 4_000, worst: 6_000 });
    expect(qoe).toMatchObject({ bytesFromPeers: 750, bytesFromPublisher: 1_250, bytesUploaded: 500, peerShare: 750 / 2_000 });
  });

  it('leaves out of continuity a viewer with no chunk due yet, and out of lag one that played nothing', () => {
    const qoe = summarizeReports([report({ played: 0, skipped: 0, lag: undefined, fromPeers: 0, fromPublisher: 0 }), report({ played: 10, skipped: 0 })], 2);
    expect(qoe.continuity).toEqual({ mean: 1, worst: 1 });
    expect(qoe.lagMs).toEqual({ mean: 2_000, worst: 2_000 });
  });

  it('says null, not zero, for what no viewer reported', () => {
    expect(summarizeReports([], 0)).toEqual({
      viewers: 0,
      continuity: null,
      lagMs: null,
      bytesFromPeers: 0,
      bytesFromPublisher: 0,
      bytesUploaded: 0,
      peerShare: null,
    });
  });
});

describe('report', () => {
  it("keeps a page's latest report for its connection and forgets it when the page leaves or disconnects", async () => {
    const running = await start();
    const key = await publisher(running);
    const first = await page(running);
    const second = await page(running);
    for (const [connection, port] of [[first, 40_001], [second, 40_002]] as const) {
      await connection.request({ t: 'announce', stream: key.streamId, port, edge: 0, live: true });
    }
    await first.request({ t: 'report', stream: key.streamId, ...report({ played: 10, skipped: 0 }) });
    await first.request({ t: 'report', stream: key.streamId, ...report({ played: 19, skipped: 1 }) });
    await second.request({ t: 'report', stream: key.streamId, ...report({ played: 9, skipped: 1, lag: 4_000 }) });
    expect(running.reports.summary()).toMatchObject({ viewers: 2, continuity: { worst: 0.9 }, lagMs: { mean: 3_000, worst: 4_000 } });
    expect(running.reports.summary().continuity!.mean).toBeCloseTo(0.925);

    await second.request({ t: 'leave', stream: key.streamId });
    expect(running.reports.summary()).toMatchObject({ viewers: 1, continuity: { mean: 0.95, worst: 0.95 } });
    await first.close();
    await expect.poll(() => running.reports.summary().viewers).toBe(0);
    expect(running.reports.counters).toEqual({ accepted: 3, refused: {} });
  });

  it('refuses a report about a stream the connection did not announce, and one over the rate, and keeps the connection', async () => {
    const running = await start({ reports: { reportRate: 0.001, reportBurst: 1 } });
    const key = await publisher(running);
    const viewer = await page(running);
    expect(await refusalOf(viewer.request({ t: 'report', stream: key.streamId, ...report() }))).toBe('NOT_ANNOUNCED');
    await viewer.request({ t: 'announce', stream: key.streamId, port: 40_001, edge: 0, live: true });
    expect(await refusalOf(viewer.request({ t: 'report', stream: key.streamId, ...report() }))).toBe('ACCEPTED');
    expect(await refusalOf(viewer.request({ t: 'report', stream: key.streamId, ...report({ played: 200 }) }))).toBe('RATE_LIMITED');
    expect(viewer.state).toBe('open');
    expect(running.reports.summary().continuity).toEqual({ mean: 0.99, worst: 0.99 });
    expect(running.reports.counters.refused).toEqual({ NOT_ANNOUNCED: 1, RATE_LIMITED: 1 });
  });

  it('closes the connection that sends a malformed report, and only that one', async () => {
    const running = await start();
    const key = await publisher(running);
    const bystander = await page(running);
    await bystander.request({ t: 'announce', stream: key.streamId, port: 40_002, edge: 0, live: true });
    await bystander.request({ t: 'report', stream: key.streamId, ...report() });
    // A socket of its own: a page's viewer would not send a fraction (the encoder does not validate, the receiver does).
    const socket = new WebSocket(`ws://127.0.0.1:${running.webSocketAddress!.port}/ws`);
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', resolve));
    const errors: string[] = [];
    socket.on('message', (data: Buffer) => errors.push(data.toString('latin1')));
    socket.send(encodeFrame({ t: 'hello', v: 2, role: 'peer' }));
    socket.send(encodeFrame({ t: 'report', id: 1, stream: key.streamId, ...report({ played: 0.5 }) } as Message));
    expect(await closed).toBeGreaterThan(0);
    expect(errors.join('')).toContain('INVALID_FIELD');
    expect(bystander.state).toBe('open');
    expect(running.reports.summary()).toMatchObject({ viewers: 1, continuity: { worst: 0.99 } });
  });
});
