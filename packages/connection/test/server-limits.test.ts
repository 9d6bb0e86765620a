import { describe, expect, it } from 'vitest';
import { RemoteError, type Refusal } from '../src/index.js';
import { dialServer, RawPeer, startServer, waitUntil } from './helpers.js';

describe('server connection limits', () => {
  it('refuses connections beyond the total with TOO_MANY_CONNECTIONS and accepts again once one closes', async () => {
    const server = await startServer({ limits: { maxConnections: 2 } });
    const refusals: Refusal[] = [];
    server.on('refused', (refusal) => refusals.push(refusal));
    const first = await dialServer(server);
    await dialServer(server);
    const refused = await dialServer(server).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RemoteError);
    expect(refused).toMatchObject({ remoteCode: 'TOO_MANY_CONNECTIONS' });
    expect(refusals).toMatchObject([{ error: { code: 'TOO_MANY_CONNECTIONS' }, remoteAddress: '127.0.0.1' }]);
    await first.close();
    await waitUntil(() => server.connections.size === 1);
    await expect(dialServer(server)).resolves.toMatchObject({ state: 'open' });
  });

  it('refuses a second connection from one address when the per-IP limit is one, but not from another address', async () => {
    const server = await startServer({ limits: { maxConnectionsPerIp: 1 } });
    await dialServer(server, { localAddress: '127.0.0.2' });
    await expect(dialServer(server, { localAddress: '127.0.0.2' })).rejects.toMatchObject({
      remoteCode: 'TOO_MANY_CONNECTIONS',
      remoteMessage: expect.stringContaining('127.0.0.2'),
    });
    const other = await dialServer(server, { localAddress: '127.0.0.3' });
    expect(other.state).toBe('open');
    await waitUntil(() => server.connections.size === 2);
    expect([...server.connections].map((c) => c.remoteAddress).sort()).toEqual(['127.0.0.2', '127.0.0.3']);
  });

  it('refuses new sockets while the pending-handshake limit is taken, and accepts once the handshake completes', async () => {
    const server = await startServer({ limits: { maxPendingHandshakes: 1 } });
    const silent = await RawPeer.connect(server.address().port);
    await waitUntil(() => server.pendingHandshakes === 1);
    await expect(dialServer(server)).rejects.toMatchObject({ remoteCode: 'TOO_MANY_CONNECTIONS' });
    await silent.handshake();
    await waitUntil(() => server.pendingHandshakes === 0);
    await expect(dialServer(server)).resolves.toMatchObject({ state: 'open' });
  });

  it('closes every connection with the given reason when the server closes', async () => {
    const server = await startServer();
    const clients = [await dialServer(server), await dialServer(server)];
    await server.close({ code: 'SHUTTING_DOWN', message: 'central is restarting' });
    for (const client of clients) {
      expect(await client.closed).toEqual({ code: 'SHUTTING_DOWN', message: 'central is restarting', byRemote: true });
    }
    expect(server.connections.size).toBe(0);
  });
});
