import { readFileSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { freePort, startProgram, stopAllPrograms } from '../../../tools/testing/index.js';

afterAll(async () => {
  await stopAllPrograms();
});

it('runs the README example against a real central, and the README shows it as it is', { timeout: 30_000 }, async () => {
  const example = readFileSync(new URL('../examples/publish-and-look-up.ts', import.meta.url), 'utf8');
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  expect(readme).toContain(example.trim());

  const port = await freePort();
  await startProgram('apps/central/src/main.ts', ['--host', '127.0.0.1', '--port', String(port)], { readyLine: /central listening on/ });
  const run = await startProgram('packages/tracker-client/examples/publish-and-look-up.ts', [`127.0.0.1:${port}`]);
  expect(await run.exited).toEqual({ code: 0, signal: null });
  expect(run.stdout()).toBe('cam1: 127.0.0.2:2050\ncam1 live, viewers: 1, edge 0\nnothing is published as nobody\n');
});
