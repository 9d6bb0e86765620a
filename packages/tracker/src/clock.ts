/**
 * Wall-clock time in ms. Registry entries carry wall-clock expiry times so that
 * several central processes sharing one Redis agree on them; tests pass a fake.
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
