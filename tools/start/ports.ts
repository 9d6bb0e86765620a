import { createServer } from 'node:net';
import { freePort } from '../testing/index.js';
import { PORT_TRIES } from './constants.js';

/** Whether a TCP listener could take `host:port` just now. */
export function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * `preferred` when it is free on `host`, else the first free one of the next `tries`
 * ports, else any port the system gives out. Another program may still take it before
 * ours listens; the program then says so and the start fails with its message.
 */
export async function choosePort(host: string, preferred: number, tries = PORT_TRIES): Promise<number> {
  for (let port = preferred; port < preferred + tries && port <= 65_535; port += 1) {
    if (await canListen(host, port)) return port;
  }
  return freePort(host);
}
