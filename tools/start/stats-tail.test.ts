import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newestPublisherStats, newestStats, newestViewerStats } from './stats-tail.js';

const dir = mkdtempSync(join(tmpdir(), 'p2pstream-stats-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const line = (fields: object) => `${JSON.stringify({ time: 0, role: 'viewer', played: 0, ...fields })}\n`;

describe('the newest line of a stats file', () => {
  it('is none while the file does not exist or has no complete line', async () => {
    const file = join(dir, 'empty.jsonl');
    expect(await newestStats(file)).toBeUndefined();
    writeFileSync(file, '{"role":"viewer","pla');
    expect(await newestStats(file)).toBeUndefined();
  });

  it('is the last complete line, not one still being written', async () => {
    const file = join(dir, 'growing.jsonl');
    writeFileSync(file, line({ played: 1 }) + line({ played: 2 }));
    appendFileSync(file, '{"role":"viewer","played":3');
    expect(await newestStats(file)).toMatchObject({ played: 2 });
  });

  it('is found in the file’s last bytes however long it has grown', async () => {
    const file = join(dir, 'long.jsonl');
    writeFileSync(file, Array.from({ length: 5_000 }, (_, played) => line({ played, padding: 'x'.repeat(300) })).join(''));
    expect(await newestStats(file, 4096)).toMatchObject({ played: 4_999 });
  });

  it('is a viewer’s or a publisher’s line as asked, and none of the other kind', async () => {
    const file = join(dir, 'publisher.jsonl');
    writeFileSync(file, `${JSON.stringify({ time: 0, role: 'publisher', chunks: 9 })}\n`);
    expect(await newestPublisherStats(file)).toMatchObject({ chunks: 9 });
    expect(await newestViewerStats(file)).toBeUndefined();
  });
});
