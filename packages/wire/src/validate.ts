import { isIP } from 'node:net';
import { MAX_HOST_LENGTH } from './constants.js';
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
  const fields = FIELDS.get(type);
  if (!fields) throw new UnknownTypeError(`unknown message type "${printable(type)}"`);
  checkObject(body, fields, type, options, 1);
  return body as unknown as Message;
}

/** A schema flattened into parallel arrays: the hot path is an indexed loop. */
interface CompiledSchema {
  readonly names: readonly string[];
  readonly fields: ReadonlyArray<Schema[string]>;
}
const compiled = new Map<Schema, CompiledSchema>();
const compile = (schema: Schema): CompiledSchema => {
  let result = compiled.get(schema);
  if (!result) {
    result = { names: Object.keys(schema), fields: Object.values(schema) };
    compiled.set(schema, result);
  }
  return result;
};
const FIELDS = new Map<string, CompiledSchema>(
  Object.entries(SCHEMAS).map(([type, schema]) => [type, compile(schema)]),
);

/** `extraKeys` counts keys the caller has already accounted for (the body's `t`). */
function checkObject(
  value: Record<string, unknown>,
  schema: CompiledSchema,
  where: string,
  options: ValidateOptions,
  extraKeys: number,
): void {
  const { names, fields } = schema;
  let present = extraKeys;
  for (let i = 0; i < names.length; i++) {
    const key = names[i]!;
    const field = fields[i]!;
    const fieldValue = value[key];
    if (fieldValue === undefined && !hasOwn(value, key)) {
      if (field.optional) continue;
      throw new InvalidFieldError(`${where}: missing field "${key}"`);
    }
    present += 1;
    const problem = checkField(fieldValue, field.spec, where, key, options);
    if (problem !== undefined) throw new InvalidFieldError(`${where}.${key} ${problem}`);
  }
  let keys = 0;
  for (const _ in value) keys += 1;
  if (keys !== present) {
    const extra = Object.keys(value).find((key) => !names.includes(key) && !(extraKeys === 1 && key === 't'));
    throw new InvalidFieldError(`${where}: unexpected field "${printable(extra ?? '?')}"`);
  }
}

/** Returns what is wrong with `value` (to follow the field's name in an error), or undefined when it fits. */
function checkField(
  value: unknown,
  spec: FieldSpec,
  where: string,
  key: string,
  options: ValidateOptions,
): string | undefined {
  switch (spec.kind) {
    case 'uint':
      return typeof value !== 'number' || !Number.isSafeInteger(value) || value < spec.min || value > spec.max
        ? `must be an integer from ${spec.min} to ${spec.max}`
        : undefined;
    case 'bool':
      return typeof value !== 'boolean' ? 'must be true or false' : undefined;
    case 'string':
      return typeof value !== 'string' || value.length > spec.maxLength || (spec.pattern && !spec.pattern.test(value))
        ? `must be ${spec.describe} (at most ${spec.maxLength} characters)`
        : undefined;
    case 'host':
      return typeof value !== 'string' || value.length > MAX_HOST_LENGTH || isIP(value) === 0
        ? 'must be an IPv4 or IPv6 address'
        : undefined;
    case 'enum':
      return typeof value !== 'string' || !spec.values.includes(value)
        ? `must be one of ${spec.values.join(', ')}`
        : undefined;
    case 'bin': {
      const max = spec.maxLength === 'chunk' ? options.maxChunkBytes : spec.maxLength;
      if (value instanceof Uint8Array && value.length >= spec.minLength && value.length <= max) return undefined;
      return `must be binary of ${spec.minLength === max ? max : `${spec.minLength} to ${max}`} bytes`;
    }
    case 'array': {
      if (!Array.isArray(value) || value.length > spec.maxItems) return `must be a list of at most ${spec.maxItems} entries`;
      const items = compile(spec.items);
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (!isPlainObject(item)) return `[${i}] must be a map`;
        checkObject(item, items, `${where}.${key}[${i}]`, options, 0);
      }
      return undefined;
    }
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
