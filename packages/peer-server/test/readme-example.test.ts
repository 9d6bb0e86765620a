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
    const example = await readFile(join(root, 'examples/serve-a-window.ts'), 'utf8');
    expect(readme).toContain('```ts\n' + example + '```');
  });

  it('runs: a peer joins, hears of a new chunk, fetches it, and is refused one the server does not hold', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
    await import('../examples/serve-a-window.js');
    expect(lines[0]).toMatch(/^serving on 127\.0\.0\.1:\d+$/);
    expect(lines.slice(1)).toEqual([
      'map: base 0, edge 3, live true, source true',
      'the server has chunk 3 now',
      'chunk 3: 1000 bytes, signature good',
      'chunk 99: NOT_HELD',
      'uploaded 1000 bytes',
    ]);
  });
});
