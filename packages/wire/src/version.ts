import { PROTOCOL_VERSION } from './constants.js';
import { UnsupportedVersionError } from './errors.js';
import type { HelloMessage } from './messages.js';

/** The `hello` this side sends first. */
export function hello(role: HelloMessage['role']): HelloMessage {
  return { t: 'hello', v: PROTOCOL_VERSION, role };
}

/** Throws `UNSUPPORTED_VERSION` unless the other side speaks our major version. */
export function assertSupportedVersion(message: HelloMessage): void {
  if (message.v !== PROTOCOL_VERSION) {
    throw new UnsupportedVersionError(
      `the other side speaks protocol version ${message.v}; this program speaks ${PROTOCOL_VERSION} — upgrade the older one`,
    );
  }
}
