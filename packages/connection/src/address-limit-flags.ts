import { parseDuration, parseInteger, parsePositive } from '@p2pstream/units';
import {
  DEFAULT_BAN_MS,
  DEFAULT_BAN_THRESHOLD,
  DEFAULT_CONNECT_BURST_PER_IP,
  DEFAULT_CONNECT_RATE_PER_IP,
  DEFAULT_FIRST_MESSAGE_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS_PER_IP,
  DEFAULT_MAX_PENDING_HANDSHAKES_PER_IP,
} from './constants.js';
import type { ServerLimits } from './limits.js';

const MAX_COUNT = 1_000_000;
const MAX_FIRST_MESSAGE_TIMEOUT_MS = 24 * 60 * 60_000;
const MAX_BAN_MS = 7 * 24 * 60 * 60_000;

/**
 * The per-address limit flags every program that accepts connections offers (central and
 * the peer), as `node:util` `parseArgs` options, so both spell and bound them alike.
 */
export const ADDRESS_LIMIT_OPTIONS = {
  'max-connections-per-ip': { type: 'string' },
  'max-handshakes-per-ip': { type: 'string' },
  'connect-rate-per-ip': { type: 'string' },
  'connect-burst-per-ip': { type: 'string' },
  'first-message-timeout': { type: 'string' },
  'ban-score': { type: 'string' },
  'ban-time': { type: 'string' },
} as const;

/** What `parseArgs` gives for those flags (other flags may sit beside them). */
export type AddressLimitFlagValues = { readonly [flag in keyof typeof ADDRESS_LIMIT_OPTIONS]?: unknown };

/** The per-address limits those flags set; every one present, at its default when not given. */
export type AddressLimits = Required<
  Pick<ServerLimits, 'maxConnectionsPerIp' | 'maxPendingHandshakesPerIp' | 'connectRatePerIp' | 'connectBurstPerIp' | 'firstMessageTimeout' | 'banScore' | 'banMs'>
>;

/**
 * Reads the per-address limit flags. A value out of its grammar or bounds is a `UsageError`
 * naming the flag. `maxConnectionsPerIp` defaults to the connection layer's unless the
 * program has its own (central holds more connections per address than a peer).
 */
export function addressLimitsFromFlags(values: AddressLimitFlagValues, defaults: { maxConnectionsPerIp?: number } = {}): AddressLimits {
  const given = (flag: keyof typeof ADDRESS_LIMIT_OPTIONS): string | undefined => values[flag] as string | undefined;
  const count = (flag: keyof typeof ADDRESS_LIMIT_OPTIONS, fallback: number): number => {
    const text = given(flag);
    return text === undefined ? fallback : parseInteger(`--${flag}`, text, 1, MAX_COUNT);
  };
  const duration = (flag: keyof typeof ADDRESS_LIMIT_OPTIONS, fallback: number, max: number): number => {
    const text = given(flag);
    return text === undefined ? fallback : parseDuration(`--${flag}`, text, 1, max);
  };
  const rate = given('connect-rate-per-ip');
  return {
    maxConnectionsPerIp: count('max-connections-per-ip', defaults.maxConnectionsPerIp ?? DEFAULT_MAX_CONNECTIONS_PER_IP),
    maxPendingHandshakesPerIp: count('max-handshakes-per-ip', DEFAULT_MAX_PENDING_HANDSHAKES_PER_IP),
    connectRatePerIp: rate === undefined ? DEFAULT_CONNECT_RATE_PER_IP : parsePositive('--connect-rate-per-ip', rate),
    connectBurstPerIp: count('connect-burst-per-ip', DEFAULT_CONNECT_BURST_PER_IP),
    firstMessageTimeout: duration('first-message-timeout', DEFAULT_FIRST_MESSAGE_TIMEOUT_MS, MAX_FIRST_MESSAGE_TIMEOUT_MS),
    banScore: count('ban-score', DEFAULT_BAN_THRESHOLD),
    banMs: duration('ban-time', DEFAULT_BAN_MS, MAX_BAN_MS),
  };
}
