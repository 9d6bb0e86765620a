import { createServer } from 'node:net';

/**
 * A TCP port that was free on `host` a moment ago (the OS picked it for a
 * listener that was then closed). Another process may take it before the
 * caller does; on a test machine that is rare enough to accept.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
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
