import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../testing/index.js';
import { DEFAULT_SOURCE } from './constants.js';
import { UsageError } from '@p2pstream/units';
import { mpegTsBytesPerSecond } from './stream-rate.js';

const dir = mkdtempSync(join(tmpdir(), 'p2pstream-rate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the rate of an MPEG-TS file', () => {
  it('is learnt from its clock references: the bundled 20 s stream is about 590 kbit/s', async () => {
    const bitsPerSecond = (await mpegTsBytesPerSecond(join(REPO_ROOT, DEFAULT_SOURCE))) * 8;
    // tools/fixtures/README.md: 1.48 MB over 20 s.
    expect(bitsPerSecond).toBeGreaterThan(570_000);
    expect(bitsPerSecond).toBeLessThan(610_000);
  });

  it('cannot be learnt from a file that is not MPEG-TS, and says what to give instead', async () => {
    const file = join(dir, 'notes.txt');
    writeFileSync(file, 'not a stream\n'.repeat(100));
    await expect(mpegTsBytesPerSecond(file)).rejects.toThrow(UsageError);
    await expect(mpegTsBytesPerSecond(file)).rejects.toThrow(/is not MPEG-TS/);
  });

  it('cannot be learnt from MPEG-TS packets that carry no clock', async () => {
    const file = join(dir, 'no-pcr.ts');
    const packets = Buffer.alloc(188 * 50);
    for (let offset = 0; offset < packets.length; offset += 188) packets[offset] = 0x47;
    writeFileSync(file, packets);
    await expect(mpegTsBytesPerSecond(file)).rejects.toThrow(/carries no MPEG-TS clock.*give --publisher-limit as a rate/);
  });
});
