import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { encodeFrame, hello } from '@p2pstream/wire';
import { AddressInUseError, ConnectionRefusedError, dial, listen } from '../src/index.js';
import { dialServer, nextConnection, startRawServer, startServer, waitUntil } from './helpers.js';

describe('dial and listen', () => {
  it('completes the hello handshake over TCP and reports each side, and where it was reached, as seen on the socket', async () => {
    const server = await startServer({ role: 'central' });
    const accepted = nextConnection(server);
    const client = await dialServer(server, { localAddress: '127.0.0.7' });
    const serverSide = await accepted;
    expect(client.state).toBe('open');
    expect(client.remoteRole).toBe('central');
    expect(client.remoteAddress).toBe('127.0.0.1');
    expect(client.remotePort).toBe(server.address().port);
    expect(serverSide.remoteRole).toBe('peer');
    expect(serverSide.remoteAddress).toBe('127.0.0.7');
    // Where each side was reached: the server at its listening address, the client at the address it dialed from.
    expect(serverSide.localAddress).toBe('127.0.0.1');
    expect(client.localAddress).toBe('127.0.0.7');
    expect(server.connections.has(serverSide)).toBe(true);
  });

  it('listens on an ephemeral port when given port 0', async () => {
    const server = await startServer();
    expect(server.address()).toMatchObject({ address: '127.0.0.1', port: expect.any(Number) });
    expect(server.address().port).toBeGreaterThan(0);
  });

  it('rejects with ADDRESS_IN_USE when the port is taken, so an app can take the next one', async () => {
    const server = await startServer();
    const taken = server.address().port;
    const error = await listen({ host: '127.0.0.1', port: taken, role: 'peer' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AddressInUseError);
    expect(error).toMatchObject({ code: 'ADDRESS_IN_USE', message: expect.stringContaining(`127.0.0.1:${taken}`) });
  });

  it('rejects with CONNECTION_REFUSED, saying what to check, when nothing listens', async () => {
    const port = await freePort();
    const error = await dial('127.0.0.1', port, { role: 'peer' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionRefusedError);
    expect((error as Error).message).toContain('is the program running');
  });

  it('rejects a dial with HANDSHAKE_TIMEOUT when the other side never says hello', async () => {
    const { port } = await startRawServer(() => undefined);
    await expect(dial('127.0.0.1', port, { role: 'peer', limits: { handshakeTimeout: 150 } })).rejects.toMatchObject({
      code: 'HANDSHAKE_TIMEOUT',
    });
  });

  it('rejects a dial with UNSUPPORTED_VERSION when the other side speaks another protocol version', async () => {
    const { port } = await startRawServer((socket) => socket.write(encodeFrame({ ...hello('peer'), v: 9 })));
    await expect(dial('127.0.0.1', port, { role: 'peer' })).rejects.toMatchObject({ code: 'UNSUPPORTED_VERSION' });
  });

  it('stops dialing when its signal aborts during the handshake', async () => {
    const { port, sockets } = await startRawServer((socket) => socket.resume());
    const controller = new AbortController();
    const dialing = dial('127.0.0.1', port, { role: 'peer', signal: controller.signal });
    await waitUntil(() => sockets.length === 1);
    const closed = new Promise((resolve) => sockets[0]!.once('close', resolve));
    controller.abort(new Error('no longer needed'));
    await expect(dialing).rejects.toThrow('no longer needed');
    await closed;
  });

  it('rejects at once when the signal is already aborted', async () => {
    const signal = AbortSignal.abort(new Error('aborted before'));
    await expect(dial('127.0.0.1', 1, { role: 'peer', signal })).rejects.toThrow('aborted before');
    await expect(listen({ host: '127.0.0.1', port: 0, role: 'peer', signal })).rejects.toThrow('aborted before');
  });

  it('closes the server when the signal given to listen aborts', async () => {
    const controller = new AbortController();
    const server = await listen({ host: '127.0.0.1', port: 0, role: 'peer', signal: controller.signal });
    const closed = new Promise<void>((resolve) => server.once('close', resolve));
    controller.abort();
    await closed;
    await expect(dial('127.0.0.1', server.address().port, { role: 'peer' })).rejects.toMatchObject({ code: 'CONNECTION_REFUSED' });
  });
});

/** A port nothing listens on (just released). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
