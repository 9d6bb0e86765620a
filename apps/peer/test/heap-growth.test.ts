import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const CHURN = fileURLToPath(new URL('./programs/buffer-churn.mjs', import.meta.url));

/** Full collections while the program moves 512 MiB of chunk-sized buffers. */
async function majorCollections(mode: 'tuned' | 'default'): Promise<number> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=@p2pstream/source', '--import', 'tsx', CHURN, mode], { timeout: 60_000 });
  return (JSON.parse(stdout) as { majors: number }).majors;
}

describe('the peer program’s heap growth', () => {
  it('spares a peer most of the full collections that chunk buffers start by default', async () => {
    const [untuned, tuned] = await Promise.all([majorCollections('default'), majorCollections('tuned')]);
    expect(untuned).toBeGreaterThanOrEqual(4);
    expect(tuned * 2).toBeLessThanOrEqual(untuned);
  });
});
