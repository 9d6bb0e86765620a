import { afterEach, describe, expect, it } from 'vitest';
import { startProgram, stopAllPrograms } from '../../../tools/testing/index.js';

const PROGRAM = 'packages/scheduler/test/programs/trace-one-chunk.ts';

async function run(env: Record<string, string>, path = PROGRAM): Promise<{ stdout: string; stderr: string }> {
  const program = await startProgram(path, [], { env });
  await program.exited;
  return { stdout: program.stdout(), stderr: program.stderr() };
}

describe('NODE_DEBUG=p2pstream:scheduler', () => {
  afterEach(() => stopAllPrograms());

  it('traces every decision about one chunk: asked of whom, timed out, asked again, skipped with its cause', async () => {
    const { stdout, stderr } = await run({ NODE_DEBUG: 'p2pstream:scheduler' });
    expect(JSON.parse(stdout)).toEqual([{ seq: 3, cause: 'timed-out', peers: ['silent'] }]);
    const chunk3 = stderr
      .split('\n')
      .filter((line) => line.includes('chunk 3:'))
      .map((line) => line.replace(/^P2PSTREAM:SCHEDULER \d+: /, ''));
    expect(chunk3).toEqual([
      'chunk 3: asked of silent, timeout 1000 ms, due in 3500 ms',
      'chunk 3: silent timed out after 1000 ms; it may be asked again',
      'chunk 3: asked of silent, timeout 1000 ms, due in 1500 ms',
      'chunk 3: silent timed out after 1000 ms; it may be asked again',
      'chunk 3: skipped (timed-out: silent)',
    ]);
  }, 30_000);

  it('says why a held chunk was asked of nobody: each holder, its requests in flight and when it was expected', async () => {
    const { stdout, stderr } = await run({ NODE_DEBUG: 'p2pstream:scheduler' }, 'packages/scheduler/test/programs/trace-held-back.ts');
    expect(JSON.parse(stdout)).toContainEqual({ seq: 9, cause: 'held-back', peers: ['slow'] });
    const why = stderr.split('\n').find((line) => line.includes('chunk 9: held by'));
    // It failed to deliver chunk 4 within 3 s, so it is expected in more than the 2 s chunk 9 had.
    expect(why).toMatch(/chunk 9: held by slow \(0 in flight, expected in \d{4,} ms\); 0 requests in flight, first heard of 2000 ms before it was due$/);
  }, 30_000);

  it('prints nothing without it', async () => {
    const { stdout, stderr } = await run({ NODE_DEBUG: '' });
    expect(JSON.parse(stdout)).toEqual([{ seq: 3, cause: 'timed-out', peers: ['silent'] }]);
    expect(stderr).not.toContain('P2PSTREAM:SCHEDULER');
  }, 30_000);
});
