import { join } from 'node:path';
import { dial, RemoteError, type Connection } from '@p2pstream/connection';
import { generateStreamKey, newSession, signPublish } from '@p2pstream/data';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../../../tools/swarm/wait.js';
import { loopback, READY_TIMEOUT_MS, startCentral, startPublisher, stopEverything, tempDir, type Central } from './processes.js';

const SESSION = newSession();

const BLOCK = 180;
/** A restarted central hears from the publisher again within this long (its reconnect backoff and announce interval). */
const REPUBLISH_TIMEOUT_MS = 30_000;

afterEach(stopEverything, 30_000);

/** One connection to central from `localAddress`, asked again and again (as a client would, not reconnecting each time). */
function lister(central: Central, localAddress: string): Promise<Connection> {
  return dial(loopback(BLOCK, 1), central.port, { role: 'peer', localAddress });
}

/** The stream id central lists under `name`, if any. */
async function listedStream(connection: Connection, name: string): Promise<string | undefined> {
  return (await connection.request({ t: 'list' })).streams.find((entry) => entry.name === name)?.stream;
}

describe('a name across a central restart', { timeout: 3 * READY_TIMEOUT_MS + REPUBLISH_TIMEOUT_MS + 30_000 }, () => {
  it('stays with the real publisher: a publish from another key right after the restart is refused NAME_TAKEN', async () => {
    const dir = tempDir();
    // Central's default state directory, the same for both runs (as it is for a user's central).
    const env = { P2PSTREAM_STATE_DIR: join(dir, 'state') };
    const first = await startCentral(BLOCK, { env });
    const publisher = await startPublisher({ central: first, host: loopback(BLOCK, 2), name: 'keep', dir, realtime: true, loop: true });
    const before = await lister(first, loopback(BLOCK, 3));
    const owner = await waitUntil('central lists keep', () => listedStream(before, 'keep'), { timeoutMs: 20_000 });
    await before.close();

    await first.program.stop();
    const central = await startCentral(BLOCK, { env, port: first.port });
    // The race of the issue: another key publishes the name before the publisher is back.
    const thief = await dial(loopback(BLOCK, 1), central.port, { role: 'peer', localAddress: loopback(BLOCK, 4) });
    const key = generateStreamKey();
    const ts = Date.now();
    const stolen = await thief
      .request({ t: 'publish', name: 'keep', key: key.publicKey, ts, live: true, session: SESSION, sig: signPublish(key, 'keep', ts, SESSION) })
      .then(() => 'published', (error: unknown) => (error instanceof RemoteError ? error.remoteCode : String(error)));
    await thief.close();
    expect(stolen).toBe('NAME_TAKEN');

    // The real publisher comes back to the restarted central under its name.
    const after = await lister(central, loopback(BLOCK, 3));
    const listed = await waitUntil('the restarted central lists keep again', () => listedStream(after, 'keep'), { timeoutMs: REPUBLISH_TIMEOUT_MS });
    await after.close();
    expect(listed).toBe(owner);
    expect(publisher.peer.describe()).not.toMatch(/taken/);
  });
});
