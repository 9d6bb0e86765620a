import { readFileSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { startProgram, stopAllPrograms } from '../../../tools/testing/index.js';
import { addressOf, startCentral } from './central.js';

afterAll(async () => {
  await stopAllPrograms();
});

it('runs the README example against a real central, and the README shows it as it is', { timeout: 30_000 }, async () => {
  const example = readFileSync(new URL('../examples/publish-and-look-up.ts', import.meta.url), 'utf8');
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  expect(readme).toContain(example.trim());

  const central = await startCentral();
  try {
    const run = await startProgram('packages/tracker-client/examples/publish-and-look-up.ts', [addressOf(central)]);
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.stdout()).toBe('cam1: 127.0.0.2:2050\ncam1 live, 1 watching, edge 0\nnothing is published as nobody\n');
  } finally {
    await central.close();
  }
});
