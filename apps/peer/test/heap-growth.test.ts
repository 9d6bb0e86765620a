import { describe, expect, it } from 'vitest';
import { heapGrowthFlag } from '../src/heap-growth.js';

describe('the peer program’s heap growth', () => {
  it('sets V8’s heap growth to 250 % for watch and relay, unless the command line or NODE_OPTIONS gives its own', () => {
    expect(heapGrowthFlag('watch', [], '')).toBe('--heap-growing-percent=250');
    expect(heapGrowthFlag('relay', ['--enable-source-maps'], '--max-old-space-size=512')).toBe('--heap-growing-percent=250');
    expect(heapGrowthFlag('watch', ['--heap-growing-percent=0'], '')).toBeUndefined();
    expect(heapGrowthFlag('watch', [], '--inspect --heap-growing-percent=100')).toBeUndefined();
    expect(heapGrowthFlag('relay', ['--heap-growing-percent', '50'])).toBeUndefined();
  });

  it('leaves it alone for a command that receives no chunks', () => {
    for (const command of ['publish', 'list', '--help', undefined]) expect(heapGrowthFlag(command, [], '')).toBeUndefined();
  });
});
