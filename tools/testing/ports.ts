import { createServer } from 'node:net';

/** Ports this process has handed out already, per host: the OS may pick the same port twice in a row. */
const handedOut = new Map<string, Set<number>>();
/** Picks tried before giving up on a port not handed out yet. */
const MAX_PICKS = 50;

/**
 * A TCP port that was free on `host` a moment ago (the OS picked it for a
 * listener that was then closed), and that no earlier call in this process
 * returned: a test that asks for several ports (central's `--http` and
 * `--metrics`) once got the same one twice. Another process may take it before
 * the caller does; on a test machine that is rare enough to accept.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const taken = handedOut.get(host) ?? new Set<number>();
  handedOut.set(host, taken);
  for (let pick = 1; pick <= MAX_PICKS; pick++) {
    const port = await portPickedByTheOs(host);
    if (taken.has(port)) continue;
    taken.add(port);
    return port;
  }
  throw new Error(`the OS gave only ports already handed out on ${host} in ${MAX_PICKS} picks`);
}

function portPickedByTheOs(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('the OS gave no port'))));
    });
  });
}
