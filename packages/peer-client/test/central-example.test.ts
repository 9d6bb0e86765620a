import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { generateStreamKey } from '@p2pstream/data';
import { Publisher, startPeerServer } from '@p2pstream/peer-server';
import { startProgram, stopAllPrograms } from '../../../tools/testing/index.js';
import { onCleanup } from '../../../tools/testing/cleanup.js';
import { TestCentral } from './helpers.js';

afterAll(async () => {
  await stopAllPrograms();
});

it('runs the README example against a real central: the exact stream, then the program exits by itself', { timeout: 90_000 }, async () => {
  const example = readFileSync(new URL('../examples/watch-from-central.ts', import.meta.url), 'utf8');
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  expect(readme).toContain('```ts\n' + example + '```');

  const central = await TestCentral.start();
  const centralAddress = `127.0.0.1:${central.running.port}`;
  const movie = Buffer.alloc(700_000);
  for (let i = 0; i < movie.length; i++) movie[i] = (i * 7 + (i >> 9)) & 0xff;
  const tracker = central.client();
  const server = await startPeerServer({ host: '127.0.0.1', port: 0 });
  onCleanup(() => server.close());
  const publisher = new Publisher({
    name: 'film',
    key: generateStreamKey(),
    source: (async function* () {
      yield movie;
    })(),
    live: false,
    server,
    tracker,
  });
  await publisher.run();

  const run = await startProgram('packages/peer-client/examples/watch-from-central.ts', [centralAddress, 'film']);
  // Generous: the example needs a few seconds under tsx; it would stay running if the client left anything open.
  const bound = new Promise<string>((resolve) => setTimeout(() => resolve('still running after 60 s'), 60_000).unref());
  expect(await Promise.race([run.exited, bound])).toEqual({ code: 0, signal: null });
  expect(run.stdout()).toBe(`film: ${movie.length} bytes, sha256 ${createHash('sha256').update(movie).digest('hex')}\n`);
});
