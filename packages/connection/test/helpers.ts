import { connect, createServer, type Server, type Socket } from 'node:net';
import { onCleanup } from '../../../tools/testing/cleanup.js';
import { encodeFrame, FrameDecoder, hello, WireError, type Message } from '@p2pstream/wire';
import { Connection, ConnectionServer, dial, listen, type DialOptions, type ListenOptions, type Transport } from '../src/index.js';

/** A server on 127.0.0.1 with an ephemeral port, closed after the test. */
export async function startServer(options: Partial<ListenOptions> = {}): Promise<ConnectionServer> {
  const server = await listen({ host: '127.0.0.1', port: 0, role: 'peer', ...options });
  onCleanup(() => server.close());
  return server;
}

/** Dials `server` as a peer; the connection is closed after the test. */
export async function dialServer(server: ConnectionServer, options: Partial<DialOptions> = {}): Promise<Connection> {
  const connection = await dial('127.0.0.1', server.address().port, { role: 'peer', ...options });
  track(connection);
  return connection;
}

export function track(connection: Connection): Connection {
  onCleanup(() => {
    connection.close();
    return connection.closed;
  });
  return connection;
}

/** The next connection the server hands out. */
export function nextConnection(server: ConnectionServer): Promise<Connection> {
  return new Promise((resolve) => server.once('connection', resolve));
}

/** A raw client (over TCP or any transport) standing in for a hostile or broken peer; records the frames it receives. */
export class RawPeer {
  readonly socket: Transport;
  readonly messages: Message[] = [];
  readonly ended: Promise<void>;
  #decoder = new FrameDecoder();
  #waiters: Array<() => void> = [];

  private constructor(socket: Transport) {
    this.socket = socket;
    socket.on('error', () => undefined);
    socket.on('data', (data: Buffer) => {
      try {
        for (const message of this.#decoder.push(data)) this.messages.push(message);
      } catch (error) {
        if (!(error instanceof WireError)) throw error;
      }
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.ended = new Promise((resolve) =>
      socket.once('close', () => {
        for (const wake of this.#waiters.splice(0)) wake();
        resolve();
      }),
    );
  }

  static async connect(port: number, host = '127.0.0.1', localAddress?: string): Promise<RawPeer> {
    const socket = connect({ host, port, localAddress });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const peer = new RawPeer(socket);
    onCleanup(() => {
      socket.destroy();
      return peer.ended;
    });
    return peer;
  }

  /** A raw peer writing and reading on `transport` (e.g. one end of an in-memory pair), destroyed after the test. */
  static over(transport: Transport): RawPeer {
    const peer = new RawPeer(transport);
    onCleanup(() => {
      transport.destroy();
      return peer.ended;
    });
    return peer;
  }

  /** Sends `hello` as a well-behaved peer would, and waits for the server's. */
  async handshake(): Promise<void> {
    this.socket.write(encodeFrame(hello('peer')));
    await this.waitFor((message) => message.t === 'hello');
  }

  write(bytes: Uint8Array | Message): void {
    this.socket.write(bytes instanceof Uint8Array ? bytes : encodeFrame(bytes));
  }

  /** Resolves with the first received message matching `match` (received before or after the call), within `ms`. */
  async waitFor(match: (message: Message) => boolean, ms = 3000): Promise<Message> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.messages.find(match);
      if (found) return found;
      if (this.socket.destroyed) throw new Error('socket closed before the message arrived');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching message within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/** A TCP server that accepts sockets and does whatever `onSocket` says with them (a hostile or stuck server). */
export async function startRawServer(onSocket: (socket: Socket) => void): Promise<{ port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return { port: (server.address() as { port: number }).port, sockets };
}

export const STREAM = 'ab'.repeat(32);
export const SIG = Buffer.alloc(64, 9);

/** Polls `condition` every 5 ms until it holds; fails after `ms`. */
export async function waitUntil(condition: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Sends `list` every `everyMs` so the connection is not idle; returns how to stop and how many answers came. */
export function keepTalking(connection: Connection, everyMs = 50): { stop: () => void; answers: () => number } {
  let answers = 0;
  const timer = setInterval(() => {
    if (connection.state === 'open') void connection.request({ t: 'list' }).then(() => answers++, () => undefined);
  }, everyMs);
  return { stop: () => clearInterval(timer), answers: () => answers };
}
