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
    const example = await readFile(join(root, 'examples/publish-and-verify.ts'), 'utf8');
    expect(readme).toContain('```ts\n' + example + '```');
  });

  it('runs and prints the chunks it kept and their buffer map', async () => {
    const lines: unknown[][] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args));
    await import('../examples/publish-and-verify.js');
    expect(lines[0]![0]).toMatch(/^publishing as StreamKey\([0-9a-f]{64}\)$/);
    expect(lines.slice(1, 6).map((line) => line[0])).toEqual([
      'chunk 0: 65536 bytes',
      'chunk 1: 65536 bytes',
      'chunk 2: 65536 bytes',
      'chunk 3: 65536 bytes',
      'chunk 4: 37856 bytes',
    ]);
    expect(lines[6]![0]).toEqual({ base: 0, bits: Uint8Array.of(0b1111_1000) });
  });
});
