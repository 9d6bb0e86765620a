import { PeerClient } from '../../src/index.js';

/**
 * A viewer that gives up on a look-up after `argv[3]` ms, prints what start()
 * rejected with, and does nothing else: it exits by itself only if the client
 * left no socket, server or timer behind. Central's connect timeout is far
 * longer than any test waits, so a dial left running would keep it alive.
 */
const [central, abortAfterMs] = process.argv.slice(2);
const client = new PeerClient({
  name: 'film',
  central: { centrals: [central!], connectTimeout: 600_000 },
  listen: { host: '127.0.0.1', port: 0 },
});
try {
  await client.start({ signal: AbortSignal.timeout(Number(abortAfterMs)) });
  console.log('started');
} catch (error) {
  const { name, code } = error as { name: string; code: string };
  console.log(`rejected ${name} ${code}`);
}
