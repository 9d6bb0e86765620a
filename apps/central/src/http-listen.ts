import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CentralStartError } from './errors.js';

/** An HTTP server of central's, listening. */
export interface ListeningHttpServer {
  readonly address: AddressInfo;
  /** Stops listening and drops open connections (a browser's keep-alive would hold it open). */
  close(): Promise<void>;
}

/**
 * Listens on `host:port`; a failure names the `flag` that chose the address
 * (`--http`, `--metrics`), so the user knows what to change.
 */
export async function listenHttp(server: Server, host: string, port: number, flag: string): Promise<ListeningHttpServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = `${host}:${port}`;
      reject(
        error.code === 'EADDRINUSE'
          ? new CentralStartError('ADDRESS_IN_USE', `${flag} ${where} is already in use — choose another port with ${flag} HOST:PORT`, { cause: error })
          : new CentralStartError('LISTEN_FAILED', `${flag} ${where}: cannot listen (${error.message})`, { cause: error }),
      );
    });
    server.listen(port, host, () => resolve());
  });
  return {
    address: server.address() as AddressInfo,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
