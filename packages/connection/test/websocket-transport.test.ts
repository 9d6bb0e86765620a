import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { WebSocketTransport, type WebSocketLike } from '../src/index.js';

/** Two ends of a real WebSocket on loopback, each wrapped as a transport. */
const servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function pair(options: { highWaterMark?: number } = {}): Promise<{ client: WebSocketTransport; server: WebSocketTransport; raw: WebSocket }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  servers.push(wss);
  await new Promise((resolve) => wss.once('listening', resolve));
  const accepted = new Promise<WebSocketTransport>((resolve) =>
    wss.once('connection', (socket, request) => resolve(new WebSocketTransport(socket as unknown as WebSocketLike, { remoteAddress: request.socket.remoteAddress, ...options }))),
  );
  const raw = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  const client = new WebSocketTransport(raw as unknown as WebSocketLike, options);
  await new Promise((resolve) => raw.once('open', resolve));
  return { client, server: await accepted, raw };
}

const collect = (transport: WebSocketTransport): Buffer[] => {
  const received: Buffer[] = [];
  transport.on('data', (data: Buffer) => received.push(data));
  return received;
};
const once = (transport: WebSocketTransport, event: 'end' | 'close' | 'drain'): Promise<void> => new Promise((resolve) => transport.once(event, resolve));
const nextError = (transport: WebSocketTransport): Promise<Error & { code?: string }> => new Promise((resolve) => transport.once('error', resolve));

describe('WebSocketTransport', () => {
  it('delivers bytes in order, corked writes together, with the address of the socket it came from', async () => {
    const { client, server } = await pair();
    expect(server.remoteAddress).toBe('127.0.0.1');
    const received = collect(server);
    client.write(Buffer.from('one '));
    client.cork();
    client.write(Buffer.from('two '));
    client.write(Buffer.from('three'));
    client.uncork();
    const ended = once(server, 'end');
    client.end();
    await ended;
    expect(Buffer.concat(received).toString()).toBe('one two three');
    // The corked pair went as one message.
    expect(received.map((part) => part.toString())).toEqual(['one ', 'two three']);
  });

  it('says when its buffer is full and emits drain once the other side has taken the bytes', async () => {
    const { client, server } = await pair({ highWaterMark: 1024 });
    const received = collect(server);
    server.pause();
    let room = true;
    let written = 0;
    // Bounded: the socket's own buffers take at most a few MiB before bufferedAmount rises.
    for (let i = 0; i < 4096 && room; i++) {
      room = client.write(Buffer.alloc(16 * 1024, i));
      written += 16 * 1024;
    }
    expect(room).toBe(false);
    expect(client.writableLength).toBeGreaterThanOrEqual(1024);
    const drained = once(client, 'drain');
    server.resume();
    await drained;
    expect(client.writableLength).toBe(0);
    await new Promise<void>((resolve) => {
      const check = (): void => (received.reduce((sum, part) => sum + part.length, 0) >= written ? resolve() : void setTimeout(check, 5));
      check();
    });
  });

  it('reads a close without a close frame as a reset, and a clean one as the end', async () => {
    const reset = await pair();
    collect(reset.server);
    const failed = nextError(reset.server);
    reset.raw.terminate();
    expect((await failed).code).toBe('TRANSPORT_RESET');

    const clean = await pair();
    collect(clean.server);
    const ended = once(clean.server, 'end');
    const closed = once(clean.server, 'close');
    clean.client.end();
    await ended;
    await closed;
    expect(clean.server.destroyed).toBe(true);
  });

  it('destroys itself on a text message, which this protocol never sends', async () => {
    const { server, raw } = await pair();
    collect(server);
    const failed = nextError(server);
    raw.send('{"t":"hello"}');
    expect((await failed).code).toBe('WEBSOCKET_PROTOCOL');
    expect(server.destroyed).toBe(true);
  });

  it('refuses to write after end, destroying itself with WRITE_AFTER_END', async () => {
    const { client } = await pair();
    client.end();
    const failed = nextError(client);
    expect(client.write(Buffer.from('late'))).toBe(false);
    expect((await failed).code).toBe('WRITE_AFTER_END');
  });
});
