import { ERROR_CODE_PATTERN, MAX_ERROR_MESSAGE_LENGTH, type ErrorMessage } from '@p2pstream/wire';

/** An `error` message that passes the other side's validation: the message clipped to the wire's limit. */
export function errorMessage(code: string, message: string, re?: number): ErrorMessage {
  const error: ErrorMessage = { t: 'error', code, message: clip(message) };
  if (re !== undefined) error.re = re;
  return error;
}

export function clip(message: string): string {
  return message.length > MAX_ERROR_MESSAGE_LENGTH ? `${message.slice(0, MAX_ERROR_MESSAGE_LENGTH - 1)}…` : message;
}

/** A code the app gives must be one the other side accepts; a bad one is a bug here, not there. */
export function assertErrorCode(code: string): void {
  if (!ERROR_CODE_PATTERN.test(code)) throw new RangeError(`error code ${JSON.stringify(code)} must be an upper-case identifier`);
}
