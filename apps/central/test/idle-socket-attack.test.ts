import { dial, RemoteError, type Connection } from '@p2pstream/connection';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, holdSilentSockets, startProgram, stopAllPrograms } from '../../../tools/testing/index.js';

const MAIN = 'apps/central/src/main.ts';
const READY = /central listening on (\S+):(\d+)/;
const CENTRAL_HOST = '127.0.77.1';
const ATTACKER = '127.0.77.2';
const CLIENT = '127.0.77.3';

afterAll(async () => {
  await stopAllPrograms();
});

/** Dials from `localAddress` until the handshake succeeds or `ms` pass; refusals (TOO_MANY_CONNECTIONS) are retried. */
async function admittedWithin(port: number, localAddress: string, ms: number): Promise<{ connection: Connection; refusals: number }> {
  const deadline = Date.now() + ms;
  let refusals = 0;
  for (;;) {
    try {
      return { connection: await dial(CENTRAL_HOST, port, { role: 'peer', localAddress, signal: AbortSignal.timeout(2000) }), refusals };
    } catch (error) {
      if (!(error instanceof RemoteError) || error.remoteCode !== 'TOO_MANY_CONNECTIONS' || Date.now() > deadline) throw error;
      refusals += 1;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

describe('central under the idle-socket attack', { timeout: 60_000 }, () => {
  it('admits another client and answers its list while one address holds and re-opens 64 silent sockets', async () => {
    const port = await freePort(CENTRAL_HOST);
    await startProgram(MAIN, ['--host', CENTRAL_HOST, '--port', String(port)], { readyLine: READY, timeoutMs: 45_000 });
    const attack = holdSilentSockets({ host: CENTRAL_HOST, port, from: [ATTACKER], perAddress: 64, durationMs: 30_000 });
    try {
      // Let the attacker's sockets land first, as they would on a running central.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(attack.opened()).toBeGreaterThanOrEqual(64);
      const started = Date.now();
      const { connection } = await admittedWithin(port, CLIENT, 5000);
      const list = await connection.request({ t: 'list' }, { timeout: 5000 });
      expect(list.streams).toEqual([]);
      expect(Date.now() - started).toBeLessThan(5000);
      await connection.close();
    } finally {
      attack.stop();
    }
  });
});
