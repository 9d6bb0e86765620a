import { createServer } from 'node:net';

/** Ports tried after a taken one before giving up on suggesting one. */
export const SUGGESTED_PORT_TRIES = 20;

/** Whether a listener could take `host:port` right now (one is opened and closed at once to find out). */
export function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/**
 * The first port after `port` that is free on `host`, for a message to
 * suggest; undefined when none of the next `tries` is (or past 65535).
 * Another program may take it before the user does: it is a suggestion.
 */
export async function nextFreePort(host: string, port: number, tries = SUGGESTED_PORT_TRIES): Promise<number | undefined> {
  for (let candidate = port + 1; candidate <= Math.min(port + tries, 65535); candidate++) {
    if (await portIsFree(host, candidate)) return candidate;
  }
  return undefined;
}
