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
    const example = await readFile(join(root, 'examples/tracker-and-peer.ts'), 'utf8');
    expect(readme).toContain('```ts\n' + example + '```');
  });

  it('runs: a request answered, a push handled, an unhandled request refused, both ends closed', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    await import('../examples/tracker-and-peer.js');
    expect(lines).toEqual([
      'a peer connected from 127.0.0.7',
      '0 streams on air; central has chunk 41',
      'refused: UNHANDLED_REQUEST',
      'closed: CLOSED',
    ]);
  });
});
