import { listen, type Connection, type ConnectionServer, type Handlers } from '@p2pstream/connection';
import type { Message } from '@p2pstream/wire';

/** A central stand-in on 127.0.0.1 whose answers each test chooses; it records every request. */
export class FakeCentral {
  readonly received: Message[] = [];
  readonly connections: Connection[] = [];
  private constructor(readonly server: ConnectionServer) {}

  static async start(handlers: Handlers): Promise<FakeCentral> {
    let fake: FakeCentral | undefined;
    const recording: Handlers = {};
    for (const [type, handler] of Object.entries(handlers)) {
      (recording as Record<string, unknown>)[type] = (message: Message, connection: Connection) => {
        fake!.received.push(message);
        return (handler as (m: Message, c: Connection) => unknown)(message, connection);
      };
    }
    const server = await listen({ host: '127.0.0.1', port: 0, role: 'central', handlers: recording });
    fake = new FakeCentral(server);
    server.on('connection', (connection) => fake!.connections.push(connection));
    return fake;
  }

  get address(): string {
    return `127.0.0.1:${this.server.address().port}`;
  }

  /** Requests of one type received so far. */
  of<T extends Message['t']>(type: T): Array<Extract<Message, { t: T }>> {
    return this.received.filter((m): m is Extract<Message, { t: T }> => m.t === type);
  }

  /** Drops every open connection, as a crash would look to the peers. */
  async dropAll(): Promise<void> {
    await Promise.all(this.connections.splice(0).map((c) => c.close()));
  }

  close(): Promise<void> {
    return this.server.close();
  }
}

/** A central that answers everything successfully, announcing an interval of `interval` ms. */
export function happyHandlers(interval = 10_000): Handlers {
  return {
    publish: (m, c) => void c.reply(m, { t: 'published', stream: Buffer.from(m.key).toString('hex') }),
    announce: (m, c) => void c.reply(m, { t: 'announced', interval, ttl: interval * 2 }),
    lookup: (m, c) => void c.reply(m, { t: 'peers', name: m.name, stream: 'a'.repeat(64), live: true, edge: 7, peers: [{ host: '127.0.0.9', port: 2050, edge: 7 }] }),
    list: (m, c) => void c.reply(m, { t: 'streams', streams: [{ name: 'cam1', stream: 'a'.repeat(64), live: true, peers: 1, edge: 7 }] }),
    leave: (m, c) => void c.reply(m, { t: 'ok' }),
  };
}

/** Resolves once `condition` holds, checking every 10 ms for at most `timeoutMs`. */
export async function eventually(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
