import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpListenError } from './errors.js';

export interface ListenHttpOptions {
  host: string;
  port: number;
  /** The command-line flag that chose `host:port`, named when listening fails. */
  flag: string;
}

/** An HTTP server, listening. */
export interface ListeningHttpServer {
  readonly address: AddressInfo;
  /** `http://HOST:PORT` to show the user: a wildcard address as 127.0.0.1, IPv6 in brackets. */
  readonly origin: string;
  /** Stops listening and drops open connections (a browser's or scraper's keep-alive would hold it open). */
  close(): Promise<void>;
}

/**
 * Listens on `host:port`. A failure is an `HttpListenError` naming `flag`:
 * `ADDRESS_IN_USE` for a port in use, `LISTEN_FAILED` for anything else.
 */
export async function listenHttp(server: Server, options: ListenHttpOptions): Promise<ListeningHttpServer> {
  const { host, port, flag } = options;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = `${host}:${port}`;
      reject(
        error.code === 'EADDRINUSE'
          ? new HttpListenError('ADDRESS_IN_USE', `${flag} ${where} is already in use — choose another port with ${flag} HOST:PORT`, { cause: error })
          : new HttpListenError('LISTEN_FAILED', `${flag} ${where}: cannot listen (${error.message})`, { cause: error }),
      );
    });
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    address,
    origin: `http://${shownHost(address.address)}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The host part of a URL that reaches `address` from this machine. */
function shownHost(address: string): string {
  if (address === '0.0.0.0' || address === '::') return '127.0.0.1';
  return address.includes(':') ? `[${address}]` : address;
}
