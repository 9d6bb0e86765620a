import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { untilAborted } from '../src/until-aborted.js';

describe('untilAborted', () => {
  it('settles with the work when nothing aborts, and leaves no listener on the signal', async () => {
    const controller = new AbortController();
    await expect(untilAborted(Promise.resolve(7), controller.signal)).resolves.toBe(7);
    await expect(untilAborted(Promise.reject(new Error('refused')), controller.signal)).rejects.toThrow('refused');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects with the reason as soon as the signal aborts, though the work never settles', async () => {
    const controller = new AbortController();
    const waiting = untilAborted(new Promise<never>(() => undefined), controller.signal);
    controller.abort(new Error('stopped'));
    await expect(waiting).rejects.toThrow('stopped');
  });

  it('rejects at once for a signal that has already aborted, mapped through toError', async () => {
    const reason = new Error('gone');
    const mapped = untilAborted(new Promise<never>(() => undefined), AbortSignal.abort(reason), (cause) => ({ code: 'ABORTED', cause }));
    await expect(mapped).rejects.toEqual({ code: 'ABORTED', cause: reason });
  });
});
