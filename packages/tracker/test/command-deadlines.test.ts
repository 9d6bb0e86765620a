import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CommandDeadlines } from '../src/command-deadlines.js';

/** A command whose answer the test gives (or never gives). */
function command<T>() {
  let answer!: (value: T) => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<T>((resolve, reject) => {
    answer = resolve;
    fail = reject;
  });
  return { promise, answer, fail };
}

describe('CommandDeadlines', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('passes answers and errors through, and fails a command that gets no answer once its own timeout has passed', async () => {
    const deadlines = new CommandDeadlines(2_000);
    const answered = command<string>();
    const refused = command<string>();
    const silent = command<string>();
    const outcomes: string[] = [];
    const watch = (name: string, p: Promise<string>) =>
      p.then(
        (value) => outcomes.push(`${name}: ${value}`),
        (error: Error & { code?: string }) => outcomes.push(`${name}: ${error.code ?? error.message}`),
      );
    watch('answered', deadlines.track(answered.promise));
    watch('refused', deadlines.track(refused.promise));
    await vi.advanceTimersByTimeAsync(1_500);
    // Sent 1.5 s later, so due 1.5 s after the first ones.
    watch('silent', deadlines.track(silent.promise));
    answered.answer('OK');
    refused.fail(new Error('ERR wrong number of arguments'));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(outcomes).toEqual(['answered: OK', 'refused: ERR wrong number of arguments']);
    await vi.advanceTimersByTimeAsync(999);
    expect(outcomes).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(outcomes).toEqual(['answered: OK', 'refused: ERR wrong number of arguments', 'silent: REDIS_COMMAND_TIMEOUT']);
    // A late answer changes nothing.
    silent.answer('late');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(outcomes).toHaveLength(3);
  });

  it('keeps one timer however many commands are waiting, and none once all are answered', async () => {
    const deadlines = new CommandDeadlines(2_000);
    const commands = Array.from({ length: 5_000 }, () => command<number>());
    const results = commands.map((c) => deadlines.track(c.promise));
    expect(vi.getTimerCount()).toBe(1);
    commands.forEach((c, i) => c.answer(i));
    expect(await Promise.all(results)).toEqual(commands.map((_, i) => i));
    await vi.advanceTimersByTimeAsync(2_000);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('fails every waiting command when closed', async () => {
    const deadlines = new CommandDeadlines(2_000);
    const waiting = deadlines.track(command<string>().promise);
    deadlines.close(new Error('the registry was closed'));
    await expect(waiting).rejects.toThrow('the registry was closed');
    expect(vi.getTimerCount()).toBe(0);
  });
});
