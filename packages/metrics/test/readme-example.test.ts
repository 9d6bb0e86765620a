import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consoleLogOf, EXAMPLE_TIMEOUT_MS, readmeAndExample } from '../../../tools/testing/index.js';

const root = join(import.meta.dirname, '..');

describe('the README example', () => {
  it('is the example file, word for word', async () => {
    const { readme, block } = await readmeAndExample(root, 'examples/serve-metrics.ts');
    expect(readme).toContain(block);
  });

  it('runs: serves a scrape, then 404 off /metrics and 405 to a POST', { timeout: EXAMPLE_TIMEOUT_MS }, async () => {
    const lines = (await consoleLogOf(() => import('../examples/serve-metrics.js'))).map((args) => args.map(String).join(' '));
    expect(lines[0]).toMatch(/^metrics at http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(lines.slice(1)).toEqual(['200 demo_scrapes_total 1', '404 405']);
  });
});
