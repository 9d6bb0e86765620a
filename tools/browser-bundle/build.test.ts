import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildBrowserBundle } from './build.js';

const scratch = await mkdtemp(join(tmpdir(), 'p2pstream-bundle-'));
afterAll(() => rm(scratch, { recursive: true, force: true }));

describe('the browser bundle', () => {
  it('is one ES module with no import left: no node:* module and nothing unresolved', async () => {
    const { code, metafile } = await buildBrowserBundle();
    const [output] = Object.values(metafile.outputs);
    expect(output!.imports).toEqual([]);
    expect(Object.keys(metafile.inputs).filter((input) => input.startsWith('node:'))).toEqual([]);
    expect(code).not.toMatch(/\bfrom\s*["']node:|\brequire\(\s*["']node:|\bimport\(\s*["']node:/);
    expect(code).toMatch(/export\s*\{/);
  }, 60_000);

  it('carries what a viewer needs and none of the Node-only files', async () => {
    const { metafile } = await buildBrowserBundle();
    const inputs = Object.keys(metafile.inputs);
    for (const needed of ['packages/wire/src/codec.ts', 'packages/data/src/webcrypto-verifier.ts', 'packages/connection/src/connection.ts', 'packages/webrtc/src/data-channel-transport.ts', 'packages/scheduler/src/scheduler.ts']) {
      expect(inputs).toContain(needed);
    }
    const nodeOnly = ['data/src/signatures.ts', 'data/src/chunk-store.ts', 'data/src/key-file.ts', 'connection/src/dial.ts', 'connection/src/listen.ts', 'peer-client/src/peer-client.ts'];
    expect(inputs.filter((input) => nodeOnly.some((file) => input.endsWith(file)))).toEqual([]);
  }, 60_000);

  it('fails the build when an entry reaches a Node-only module', async () => {
    const entryPoint = join(scratch, 'reaches-fs.ts');
    await writeFile(entryPoint, "export { readFile } from 'node:fs/promises';\n");
    await expect(buildBrowserBundle({ entryPoint })).rejects.toThrow(/node:fs\/promises/);
  }, 60_000);
});
