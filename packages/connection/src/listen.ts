import { createServer } from 'node:net';
import { DEFAULT_LISTEN_HOST } from './constants.js';
import { AddressInUseError, ListenFailedError } from './errors.js';
import { ConnectionServer, type ListenOptions } from './server.js';

// Apart from server.ts so that a browser, which takes its transports through
// `ConnectionServer.accept()`, never reaches node:net.

/**
 * Listens on `host:port` and resolves once the server is accepting. Rejects
 * with `ADDRESS_IN_USE` (an app may then take the next port) or `LISTEN_FAILED`.
 */
export async function listen(options: ListenOptions): Promise<ConnectionServer> {
  const { signal } = options;
  signal?.throwIfAborted();
  const host = options.host ?? DEFAULT_LISTEN_HOST;
  const netServer = createServer({ noDelay: true });
  const server = new ConnectionServer(options, netServer);
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      netServer.off('error', onError);
      netServer.close();
      reject(signal?.reason);
    };
    const onError = (error: NodeJS.ErrnoException): void => {
      signal?.removeEventListener('abort', onAbort);
      reject(
        error.code === 'EADDRINUSE'
          ? new AddressInUseError(host, options.port, error)
          : new ListenFailedError(host, options.port, error),
      );
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    netServer.once('error', onError);
    netServer.listen({ host, port: options.port }, () => {
      netServer.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
  });
  signal?.addEventListener('abort', () => void server.close(), { once: true });
  return server;
}
