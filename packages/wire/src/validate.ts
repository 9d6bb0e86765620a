import { isIP } from 'node:net';
import { MAX_HOST_LENGTH, MessageType, type MessageTypeName } from './constants.js';
import { InvalidFieldError, UnknownTypeError } from './errors.js';
import type { Message } from './messages.js';
import { SCHEMAS, type FieldSpec, type Schema } from './schemas.js';

export interface ValidateOptions {
  /** Largest `chunk.data` accepted, in bytes. */
  readonly maxChunkBytes: number;
}

const hasOwn = Object.hasOwn;

/**
 * Checks that a decoded body is exactly one of our messages: a known `t`, every
 * required field present with the right type and range, and nothing else.
 * Returns it typed, or throws a typed error naming the first problem found.
 */
export function validateMessage(body: unknown, options: ValidateOptions): Message {
  if (!isPlainObject(body)) throw new InvalidFieldError('a message body must be a map');
  const type = body['t'];
  if (typeof type !== 'string') throw new InvalidFieldError('a message needs a string field "t"');
  if (!isMessageType(type)) throw new UnknownTypeError(`unknown message type "${printable(type)}"`);
  checkObject(body, SCHEMAS[type], type, options, true);
  return body as unknown as Message;
}

function isMessageType(type: string): type is MessageTypeName {
  return hasOwn(MessageType, type);
}

function checkObject(
  value: Record<string, unknown>,
  schema: Schema,
  where: string,
  options: ValidateOptions,
  isBody: boolean,
): void {
  for (const key in value) {
    if (isBody && key === 't') continue;
    if (!hasOwn(schema, key)) throw new InvalidFieldError(`${where}: unexpected field "${printable(key)}"`);
  }
  for (const key in schema) {
    const field = schema[key]!;
    const fieldValue = value[key];
    if (fieldValue === undefined && !hasOwn(value, key)) {
      if (field.optional) continue;
      throw new InvalidFieldError(`${where}: missing field "${key}"`);
    }
    checkField(fieldValue, field.spec, `${where}.${key}`, options);
  }
}

function checkField(value: unknown, spec: FieldSpec, where: string, options: ValidateOptions): void {
  switch (spec.kind) {
    case 'uint':
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < spec.min || value > spec.max) {
        throw new InvalidFieldError(`${where} must be an integer from ${spec.min} to ${spec.max}`);
      }
      return;
    case 'bool':
      if (typeof value !== 'boolean') throw new InvalidFieldError(`${where} must be true or false`);
      return;
    case 'string':
      if (typeof value !== 'string' || value.length > spec.maxLength || (spec.pattern && !spec.pattern.test(value))) {
        throw new InvalidFieldError(`${where} must be ${spec.describe} (at most ${spec.maxLength} characters)`);
      }
      return;
    case 'host':
      if (typeof value !== 'string' || value.length > MAX_HOST_LENGTH || isIP(value) === 0) {
        throw new InvalidFieldError(`${where} must be an IPv4 or IPv6 address`);
      }
      return;
    case 'enum':
      if (typeof value !== 'string' || !spec.values.includes(value)) {
        throw new InvalidFieldError(`${where} must be one of ${spec.values.join(', ')}`);
      }
      return;
    case 'bin': {
      const max = spec.maxLength === 'chunk' ? options.maxChunkBytes : spec.maxLength;
      if (!(value instanceof Uint8Array) || value.length < spec.minLength || value.length > max) {
        const size = spec.minLength === max ? `${max}` : `${spec.minLength} to ${max}`;
        throw new InvalidFieldError(`${where} must be binary of ${size} bytes`);
      }
      return;
    }
    case 'array':
      if (!Array.isArray(value) || value.length > spec.maxItems) {
        throw new InvalidFieldError(`${where} must be a list of at most ${spec.maxItems} entries`);
      }
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (!isPlainObject(item)) throw new InvalidFieldError(`${where}[${i}] must be a map`);
        checkObject(item, spec.items, `${where}[${i}]`, options, false);
      }
      return;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A bounded, escaped rendering of untrusted text for error messages. */
function printable(text: string): string {
  const clipped = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return JSON.stringify(clipped).slice(1, -1);
}
