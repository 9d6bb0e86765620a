import { connect, type Socket } from 'node:net';

const REOPEN_DELAY_MS = 1000;

export interface SilentSocketsOptions {
  host: string;
  port: number;
  /** Local loopback addresses to open the sockets from, `perAddress` from each. */
  from: readonly string[];
  perAddress: number;
  /** The attack stops (and every socket is destroyed) after this long, at the latest. */
  durationMs: number;
}

export interface SilentSockets {
  /** Sockets opened so far, re-opened ones included. */
  readonly opened: () => number;
  /** Sockets open right now. */
  readonly open: () => number;
  /** Stops re-opening and destroys every socket. */
  stop(): void;
}

/**
 * The idle-socket lock-out: from each local address, holds `perAddress` TCP
 * connections that never send a byte, and opens a new one whenever the server
 * cuts one (its handshake deadline, a refusal). Bounded: at most `perAddress`
 * per address at once, a pause between re-opens, nothing after `durationMs`.
 */
export function holdSilentSockets(options: SilentSocketsOptions): SilentSockets {
  const sockets = new Set<Socket>();
  let opened = 0;
  let stopped = false;
  const open = (localAddress: string): void => {
    if (stopped) return;
    opened += 1;
    const socket = connect({ host: options.host, port: options.port, localAddress });
    sockets.add(socket);
    socket.on('error', () => undefined);
    // Read and drop what the server says (its hello, an error); never answer.
    socket.resume();
    socket.once('close', () => {
      sockets.delete(socket);
      // A pause, so a refusing server is not hammered in a tight loop (the attacker made about 7 connects/s).
      if (!stopped) setTimeout(() => open(localAddress), REOPEN_DELAY_MS);
    });
  };
  for (const address of options.from) for (let i = 0; i < options.perAddress; i++) open(address);
  const stop = (): void => {
    stopped = true;
    clearTimeout(timer);
    for (const socket of sockets) socket.destroy();
  };
  const timer = setTimeout(stop, options.durationMs);
  return { opened: () => opened, open: () => sockets.size, stop };
}
