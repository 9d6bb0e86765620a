import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

const root = join(import.meta.dirname, '..');

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the README example', () => {
  it('is the example file, word for word', async () => {
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    const example = await readFile(join(root, 'examples/watch-in-one-process.ts'), 'utf8');
    expect(readme).toContain('```ts\n' + example + '```');
  });

  it('runs: the viewer writes an exact copy of the finished stream', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
    await import('../examples/watch-in-one-process.js');
    expect(lines).toEqual(['found film: finished, 1 peer(s)', 'played 16 chunks, 1000000 bytes from the publisher', 'the copy is exact']);
  });
});
