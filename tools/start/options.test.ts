import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../testing/index.js';
import { DEFAULT_SOURCE, DEFAULT_VIEWERS } from './constants.js';
import { UsageError } from '@p2pstream/units';
import { parseStartArgs } from './options.js';

const options = (argv: string[]) => {
  const parsed = parseStartArgs(argv);
  if (parsed.help) throw new Error('expected options, got --help');
  return parsed.options;
};

describe('npm start’s command line', () => {
  it('defaults to three viewers of the bundled test stream and a publisher capped at twice its rate', () => {
    expect(options([])).toEqual({
      viewers: DEFAULT_VIEWERS,
      source: join(REPO_ROOT, DEFAULT_SOURCE),
      publisherLimit: { kind: 'multiple', text: '2x' },
      bind: '127.0.0.1',
    });
  });

  it("takes --bind for central's watch page, every interface included, and refuses a name that is not an IP address", () => {
    expect(options(['--bind', '0.0.0.0']).bind).toBe('0.0.0.0');
    expect(options(['--bind', '[::]']).bind).toBe('::');
    expect(() => options(['--bind', 'my-laptop'])).toThrow(new UsageError('--bind takes an IP address of this machine, or 0.0.0.0 for every interface, not "my-laptop"'));
  });

  it('takes a viewer count, stdin as the source, and a publisher limit as a rate or none', () => {
    expect(options(['--viewers', '7', '--source', '-', '--publisher-limit', '6mbit'])).toEqual({
      viewers: 7,
      source: '-',
      publisherLimit: { kind: 'rate', bytesPerSecond: 750_000 },
      bind: '127.0.0.1',
    });
    expect(options(['--publisher-limit', 'none']).publisherLimit).toEqual({ kind: 'none' });
  });

  it('leaves the publisher of stdin uncapped unless told, since the rate of stdin is not known', () => {
    expect(options(['--source', '-']).publisherLimit).toEqual({ kind: 'none' });
  });

  it('reads a relative --source from where npm was started', () => {
    const before = process.env.INIT_CWD;
    process.env.INIT_CWD = '/somewhere/else';
    try {
      expect(() => options(['--source', 'clip.ts'])).toThrow('there is no such file (/somewhere/else/clip.ts)');
    } finally {
      if (before === undefined) delete process.env.INIT_CWD;
      else process.env.INIT_CWD = before;
    }
  });

  it.each([
    [['--viewers', '0'], /--viewers takes a whole number from 1 to 50/],
    [['--viewers', 'three'], /--viewers takes a whole number/],
    [['--publisher-limit', 'fast'], /--publisher-limit takes a multiple of the stream's rate \(3x\), a rate \(6mbit, 750k\) or none, not "fast"/],
    [['--publisher-limit', '0x'], /--publisher-limit takes/],
    [['--source', '-', '--publisher-limit', '3x'], /needs the stream's rate, which stdin does not tell/],
    [['--port', '1'], /Unknown option '--port'/],
    [['--source', '/no/such/stream.ts'], /--source \/no\/such\/stream.ts: there is no such file/],
  ])('refuses %j with a usage error that says why', (argv, message) => {
    expect(() => parseStartArgs(argv)).toThrow(UsageError);
    expect(() => parseStartArgs(argv)).toThrow(message);
  });

  it('answers --help', () => {
    expect(parseStartArgs(['--help'])).toEqual({ help: true });
  });
});
