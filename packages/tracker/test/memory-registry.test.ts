import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StateFileError } from '../src/errors.js';
import { MemoryRegistry } from '../src/memory-registry.js';
import { describeRegistryContract } from './registry-conformance.js';

describeRegistryContract('memory', async () => new MemoryRegistry());

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function stateFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'p2pstream-names-'));
  dirs.push(dir);
  return join(dir, 'nested', 'central-names.json');
}

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const T = 1_800_000_000_000;
const SESSION = '0123456789abcdef';

describe('a memory registry with a state file', () => {
  it('keeps a name bound to its key across a restart: another key is refused, the owner publishes on', async () => {
    const file = stateFile();
    const before = new MemoryRegistry({ stateFile: file });
    expect(await before.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T })).toEqual({ result: 'published' });
    await before.close();

    const after = new MemoryRegistry({ stateFile: file });
    expect(await after.publish({ session: SESSION, name: 'cam1', stream: B, live: true, ts: T + 1 })).toEqual({ result: 'name-taken', holder: A });
    expect(await after.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T })).toEqual({ result: 'replayed', lastTs: T });
    expect(await after.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T + 2 })).toEqual({ result: 'published' });
    // Only names come back: nothing is listed until a peer announces again.
    expect(await after.list(T, 10)).toEqual([]);
    await after.close();
  });

  it('writes the file whole, readable by its owner only, with every binding made before close', async () => {
    const file = stateFile();
    const registry = new MemoryRegistry({ stateFile: file });
    await Promise.all(['a', 'b', 'c'].map((letter, i) => registry.publish({ session: SESSION, name: `cam-${letter}`, stream: letter.repeat(64), live: i > 0, ts: T + i })));
    await registry.close();
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { names: Array<{ name: string }> };
    expect(saved.names.map((binding) => binding.name).sort()).toEqual(['cam-a', 'cam-b', 'cam-c']);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses to start from a file that is not a bindings file, saying how to go on', () => {
    const file = stateFile();
    new MemoryRegistry({ stateFile: file });
    writeFileSync(file, '{"version":1,"names":[{"name":"../etc","stream":"x"}]}');
    expect(() => new MemoryRegistry({ stateFile: file })).toThrow(StateFileError);
    expect(() => new MemoryRegistry({ stateFile: file })).toThrow(/has a bad entry at index 0 — move it away/);
    writeFileSync(file, 'not json');
    expect(() => new MemoryRegistry({ stateFile: file })).toThrow(expect.objectContaining({ code: 'STATE_FILE_INVALID' }));
  });

  it('reports a file it cannot save and goes on in memory', async () => {
    const file = stateFile();
    const errors: StateFileError[] = [];
    const registry = new MemoryRegistry({ stateFile: file, onStateError: (error) => errors.push(error) });
    // A directory where the file should be: the rename over it fails.
    rmSync(file, { force: true });
    mkdirSync(file, { recursive: true });
    expect(await registry.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T })).toEqual({ result: 'published' });
    await registry.close();
    expect(errors).toMatchObject([{ code: 'STATE_FILE_UNWRITABLE' }]);
    expect(await registry.publish({ session: SESSION, name: 'cam1', stream: B, live: true, ts: T + 1 })).toMatchObject({ result: 'name-taken' });
  });
});
