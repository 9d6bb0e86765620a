import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../tools/testing/index.js';
import { heapFlags } from '../src/heap-growth.js';

const GROWTH = '--heap-growing-percent=250';
const YOUNG = '--semi-space-growth-factor=1';

describe('the peer program’s heap flags', () => {
  it('sets V8’s heap growth to 250 % and keeps the young generation small for watch and relay', () => {
    expect(heapFlags('watch', [], '')).toEqual([GROWTH, YOUNG]);
    expect(heapFlags('relay', ['--enable-source-maps'], '--max-old-space-size=512')).toEqual([GROWTH, YOUNG]);
  });

  it('keeps the young generation small for publish, with V8’s own heap growth', () => {
    expect(heapFlags('publish', [], '')).toEqual([YOUNG]);
  });

  it('leaves a flag alone when the command line or NODE_OPTIONS gives its own', () => {
    expect(heapFlags('watch', ['--heap-growing-percent=0'], '')).toEqual([YOUNG]);
    expect(heapFlags('watch', [], '--inspect --heap-growing-percent=100')).toEqual([YOUNG]);
    expect(heapFlags('relay', ['--heap-growing-percent', '50'])).toEqual([YOUNG]);
    expect(heapFlags('watch', ['--semi-space-growth-factor=2'], '')).toEqual([GROWTH]);
    expect(heapFlags('publish', ['--semi-space-growth-factor', '4'], '')).toEqual([]);
  });

  it('sets nothing for a command that moves no chunks', () => {
    for (const command of ['list', '--help', undefined]) expect(heapFlags(command, [], '')).toEqual([]);
  });
});

describe('the flags in a running program', () => {
  /** The most V8's new space reached in a child that loads the flags for `command`, then keeps ~20,000 young objects alive while making 2 million. */
  function newSpacePeak(command: string): number {
    const script = `
      import { getHeapSpaceStatistics } from 'node:v8';
      await import(${JSON.stringify(pathToFileURL(join(REPO_ROOT, 'apps/peer/src/heap-growth.ts')).href)});
      const kept = [];
      let most = 0;
      for (let i = 0; i < 2_000_000; i++) {
        kept.push({ i });
        if (kept.length > 20_000) kept.splice(0, 10_000);
        if (i % 50_000 === 0) most = Math.max(most, getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_size);
      }
      console.log(most);`;
    // With -e there is no script path: the program's first argument is argv[2] as it is for main.js.
    const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, 'main.js', command], { cwd: REPO_ROOT, encoding: 'utf8' });
    return Number(output.trim());
  }

  it('keeps the young generation at its first size for watch, where V8 left alone grows it', () => {
    const watch = newSpacePeak('watch');
    const list = newSpacePeak('list');
    expect(watch).toBeLessThanOrEqual(4 * 1024 * 1024);
    expect(list).toBeGreaterThan(2 * watch);
  });
});
