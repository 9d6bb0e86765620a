import { RemoteError, type Connection, type Handlers } from '@p2pstream/connection';
import { generateStreamKey, newSession, signPublish, type StreamKey } from '@p2pstream/data';
import type { SignaledMessage } from '@p2pstream/wire';

const SESSION = newSession();

/** Publishes a new live stream under `name` over the connection and returns its key. */
export async function publish(connection: Connection, name = 'cam1'): Promise<StreamKey> {
  const key = generateStreamKey();
  const ts = Date.now();
  await connection.request({ t: 'publish', name, key: key.publicKey, ts, live: true, session: SESSION, sig: signPublish(key, name, ts, SESSION) });
  return key;
}

/** A connection's handlers that record every `signaled` it is sent. */
export function inbox(): { handlers: Handlers; received: SignaledMessage[]; next(): Promise<SignaledMessage> } {
  const received: SignaledMessage[] = [];
  const waiting: Array<(message: SignaledMessage) => void> = [];
  return {
    received,
    handlers: {
      signaled: (message) => {
        received.push(message);
        waiting.shift()?.(message);
      },
    },
    next: () => new Promise((resolve) => waiting.push(resolve)),
  };
}

export const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

/** The code central refused with, or ACCEPTED. */
export const refusalOf = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'ACCEPTED',
    (error: unknown) => (error instanceof RemoteError ? error.remoteCode : String(error)),
  );
