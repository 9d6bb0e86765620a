import { describe, expect, it } from 'vitest';
import { ConnectionRefusedError, RemoteError, type Refusal } from '../src/index.js';
import { createMemoryPair, MemoryNetwork } from '../src/testing/index.js';
import { nextConnection, track } from './helpers.js';
import { connectTo, memoryServer, rawPeerOf, turn } from './memory-helpers.js';

const from = (address: string) => ({ pair: { first: { address, port: 40_000 } } });

describe('a server accepting transports it did not listen for', () => {
  it('refuses transports beyond the total with TOO_MANY_CONNECTIONS, and accepts again once one closes', async () => {
    const server = memoryServer({ limits: { maxConnections: 2 } });
    const refusals: Refusal[] = [];
    server.on('refused', (refusal) => refusals.push(refusal));
    const first = await connectTo(server);
    await connectTo(server);
    const refused = await connectTo(server, from('127.0.0.5')).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RemoteError);
    expect(refused).toMatchObject({ remoteCode: 'TOO_MANY_CONNECTIONS' });
    expect(refusals).toMatchObject([{ error: { code: 'TOO_MANY_CONNECTIONS' }, remoteAddress: '127.0.0.5', remotePort: 40_000 }]);
    await first.close();
    await turn();
    expect(server.connections.size).toBe(1);
    await expect(connectTo(server)).resolves.toMatchObject({ state: 'open' });
  });

  it('counts connections per remote address as the transport reports it', async () => {
    const server = memoryServer({ limits: { maxConnectionsPerIp: 1 } });
    await connectTo(server, from('127.0.0.2'));
    await expect(connectTo(server, from('127.0.0.2'))).rejects.toMatchObject({
      remoteCode: 'TOO_MANY_CONNECTIONS',
      remoteMessage: expect.stringContaining('127.0.0.2'),
    });
    await connectTo(server, from('::ffff:127.0.0.3'));
    expect([...server.connections].map((c) => c.remoteAddress).sort()).toEqual(['127.0.0.2', '127.0.0.3']);
  });

  it('refuses new transports while the pending-handshake limit is taken, and accepts once the handshake completes', async () => {
    const server = memoryServer({ limits: { maxPendingHandshakes: 1 } });
    const silent = rawPeerOf(server);
    expect(server.pendingHandshakes).toBe(1);
    await expect(connectTo(server)).rejects.toMatchObject({ remoteCode: 'TOO_MANY_CONNECTIONS' });
    await silent.handshake();
    await turn();
    expect(server.pendingHandshakes).toBe(0);
    await expect(connectTo(server)).resolves.toMatchObject({ state: 'open' });
  });

  it('closes every accepted connection with the given reason, and destroys what it is handed after that', async () => {
    const server = memoryServer();
    const clients = [await connectTo(server), await connectTo(server)];
    await server.close({ code: 'SHUTTING_DOWN', message: 'central is restarting' });
    for (const client of clients) {
      expect(await client.closed).toEqual({ code: 'SHUTTING_DOWN', message: 'central is restarting', byRemote: true });
    }
    expect(server.connections.size).toBe(0);
    const [, late] = createMemoryPair();
    expect(server.accept(late)).toBeUndefined();
    expect(late.destroyed).toBe(true);
  });

  it('says it has no listener when asked for its address', () => {
    const server = memoryServer();
    expect(server.listening).toBe(false);
    expect(() => server.address()).toThrow(expect.objectContaining({ code: 'NOT_LISTENING' }));
  });
});

describe('a memory network', () => {
  it('dials the server put at an address over a new pair, from the local address asked for, and refuses where nothing is', async () => {
    const network = new MemoryNetwork();
    const server = memoryServer({ role: 'central' });
    const accepted = nextConnection(server);
    const stop = network.listen('127.0.0.1', 2045, server);
    const connection = track(await network.dial('127.0.0.1', 2045, { role: 'peer', localAddress: '127.0.0.8' }));
    expect(connection).toMatchObject({ state: 'open', remoteRole: 'central', remoteAddress: '127.0.0.1', remotePort: 2045 });
    expect((await accepted).remoteAddress).toBe('127.0.0.8');
    expect(() => network.listen('127.0.0.1', 2045, server)).toThrow(expect.objectContaining({ code: 'ADDRESS_IN_USE' }));
    stop();
    await expect(network.dial('127.0.0.1', 2045, { role: 'peer' })).rejects.toBeInstanceOf(ConnectionRefusedError);
  });
});
