import { readFileSync } from 'node:fs';
import { get, request as httpRequest, type IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { PeerHttpServer, type PeerHttpServerOptions } from '../src/http-server.js';
import type { SwarmReport } from '../src/swarm-report.js';
import { UserError } from '../src/usage-error.js';

const servers: PeerHttpServer[] = [];
const responses: IncomingMessage[] = [];
afterEach(async () => {
  for (const response of responses.splice(0)) response.destroy();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(options: PeerHttpServerOptions = {}, host = '127.0.0.1'): Promise<PeerHttpServer> {
  const server = await PeerHttpServer.listen(host, 0, options);
  servers.push(server);
  return server;
}

function open(server: PeerHttpServer, path: string, method = 'GET'): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: server.host, port: server.port, path, method }, (response) => {
      responses.push(response);
      resolve(response);
    });
    request.once('error', reject).end();
  });
}

async function fetchText(server: PeerHttpServer, path: string, method = 'GET') {
  const response = await open(server, path, method);
  const pieces: Buffer[] = [];
  for await (const piece of response) pieces.push(piece as Buffer);
  return { status: response.statusCode, headers: response.headers, body: Buffer.concat(pieces).toString() };
}

/** Collects the `data:` lines of an event stream as they arrive. */
async function follow(server: PeerHttpServer) {
  const response = await open(server, '/events');
  const messages: string[] = [];
  let text = '';
  response.setEncoding('utf8');
  response.on('data', (piece: string) => {
    text += piece;
    for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n')) {
      const data = text.slice(0, end).split('\n').find((line) => line.startsWith('data: '));
      if (data) messages.push(data.slice(6));
      text = text.slice(end + 2);
    }
  });
  return { response, messages };
}

async function waitUntil(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(check()).toBe(true);
}

function report(played: number): SwarmReport {
  return {
    time: 1_700_000_000_000,
    name: 'cam1',
    stream: 'ab'.repeat(32),
    fingerprint: 'abab abab abab abab',
    state: 'playing',
    live: true,
    quality: {
      startupMs: 2100,
      continuity: 1,
      played,
      skipped: 0,
      lagMs: 5200,
      bufferAheadMs: 3000,
      rebuffers: 0,
      bytesFromPublisher: 1000,
      bytesFromPeers: 3000,
      fromPeersShare: 0.75,
      bytesUploaded: 500,
      downloadBytesPerSecond: 80_000,
      uploadBytesPerSecond: 20_000,
    },
    peers: [{ address: '127.0.0.2:2050', source: true, fromBytesPerSecond: 80_000, toBytesPerSecond: null, inFlight: 1 }],
    window: { first: 10, chunks: ['played', 'held', 'fetching', 'missing'], playhead: 11, edge: 14 },
    players: 1,
  };
}

describe('PeerHttpServer', () => {
  it('serves the page, its script and style, and the player library it brings along', async () => {
    const server = await start();
    const page = await fetchText(server, '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    for (const script of ['/player/mpegts.js', '/player.js', '/panel.js']) expect(page.body).toContain(`src="${script}"`);
    expect(page.body).toContain('href="/page.css"');
    expect((await fetchText(server, '/player.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await fetchText(server, '/page.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    const library = await fetchText(server, '/player/mpegts.js');
    expect(library.body).toBe(readFileSync(createRequire(import.meta.url).resolve('mpegts.js'), 'utf8'));
  });

  it('answers 404 for any other path, a file name in it included, and 405 for other methods', async () => {
    const server = await start();
    for (const path of ['/nothing', '/web/index.html', '/%2e%2e/package.json', '/../package.json', '/player/../../package.json']) {
      const answer = await fetchText(server, path);
      expect(answer.status, path).toBe(404);
      expect(answer.body).toContain('the page is at /');
    }
    const post = await fetchText(server, '/stream.ts', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    const head = await fetchText(server, '/', 'HEAD');
    expect(head).toMatchObject({ status: 200, body: '' });
  });

  it('serves the newest report at /stats.json, and 503 before the first', async () => {
    const server = await start();
    const early = await fetchText(server, '/stats.json');
    expect(early.status).toBe(503);
    expect(early.headers['retry-after']).toBe('1');
    server.report(report(1));
    server.report(report(2));
    const stats = await fetchText(server, '/stats.json');
    expect(stats.status).toBe(200);
    expect(stats.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(stats.body)).toEqual(report(2));
  });

  it('sends each page the newest report on connecting, then every report, as Server-Sent Events', async () => {
    const server = await start();
    server.report(report(1));
    const page = await follow(server);
    expect(page.response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    await waitUntil(() => page.messages.length === 1);
    server.report(report(2));
    server.report(report(3));
    await waitUntil(() => page.messages.length === 3);
    expect(page.messages.map((message) => (JSON.parse(message) as SwarmReport).quality.played)).toEqual([1, 2, 3]);
  });

  it('forgets a page that goes away, and refuses pages past its limit with 503', async () => {
    const server = await start({ maxEventClients: 2 });
    const pages = [await follow(server), await follow(server)];
    await waitUntil(() => server.eventClients === 2);
    const refused = await fetchText(server, '/events');
    expect(refused.status).toBe(503);
    pages[0]!.response.destroy();
    await waitUntil(() => server.eventClients === 1);
    const again = await follow(server);
    expect(again.response.statusCode).toBe(200);
    await waitUntil(() => server.eventClients === 2);
  });

  it('cuts off a page that stops reading once its backlog passes the limit', async () => {
    const server = await start({ maxEventBufferBytes: 64 * 1024 });
    const page = await follow(server);
    await waitUntil(() => server.eventClients === 1);
    page.response.pause();
    const big = { ...report(0), name: 'x'.repeat(256 * 1024) };
    // Enough to fill both sides' socket buffers whatever the system's sizes (at most 64 MiB written).
    for (let i = 0; i < 256 && server.eventClients === 1; i++) {
      server.report(big);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(server.eventClients).toBe(0);
  });

  it('ends every page and player when it closes', async () => {
    const server = await start();
    const page = await follow(server);
    const player = await open(server, '/stream.ts');
    await waitUntil(() => server.eventClients === 1 && server.clients === 1);
    const ended = Promise.all([page.response, player].map((response) => new Promise((resolve) => response.once('end', resolve).resume())));
    await server.close();
    await ended;
  });

  it('listens where told and names the page and the stream by that address', async () => {
    const server = await start({}, '127.0.0.3');
    expect(server.host).toBe('127.0.0.3');
    expect(server.url).toBe(`http://127.0.0.3:${server.port}/`);
    expect(server.streamUrl).toBe(`http://127.0.0.3:${server.port}/stream.ts`);
    const answer = await new Promise<IncomingMessage>((resolve, reject) => get(server.url, resolve).once('error', reject));
    answer.resume();
    expect(answer.statusCode).toBe(200);
  });

  it('says the port is in use and which flag changes it', async () => {
    const server = await start();
    const failure = await PeerHttpServer.listen('127.0.0.1', server.port).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UserError);
    expect((failure as UserError).message).toBe(`--http 127.0.0.1:${server.port} is already in use — choose another port with --http HOST:PORT`);
  });
});
