import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { UsageError } from '@p2pstream/units';
import { ADDRESS_LIMIT_OPTIONS, addressLimitsFromFlags } from '../src/address-limit-flags.js';
import {
  DEFAULT_BAN_MS,
  DEFAULT_BAN_THRESHOLD,
  DEFAULT_CONNECT_BURST_PER_IP,
  DEFAULT_CONNECT_RATE_PER_IP,
  DEFAULT_FIRST_MESSAGE_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS_PER_IP,
  DEFAULT_MAX_PENDING_HANDSHAKES_PER_IP,
} from '../src/constants.js';

const flags = (args: string[]) => parseArgs({ args, options: ADDRESS_LIMIT_OPTIONS, strict: true }).values;

describe('addressLimitsFromFlags', () => {
  it('gives every limit its default when no flag is given, and a program its own per-address connection default', () => {
    expect(addressLimitsFromFlags(flags([]))).toEqual({
      maxConnectionsPerIp: DEFAULT_MAX_CONNECTIONS_PER_IP,
      maxPendingHandshakesPerIp: DEFAULT_MAX_PENDING_HANDSHAKES_PER_IP,
      connectRatePerIp: DEFAULT_CONNECT_RATE_PER_IP,
      connectBurstPerIp: DEFAULT_CONNECT_BURST_PER_IP,
      firstMessageTimeout: DEFAULT_FIRST_MESSAGE_TIMEOUT_MS,
      banScore: DEFAULT_BAN_THRESHOLD,
      banMs: DEFAULT_BAN_MS,
    });
    expect(addressLimitsFromFlags(flags([]), { maxConnectionsPerIp: 64 }).maxConnectionsPerIp).toBe(64);
  });

  it('reads each flag in the shared grammar (durations with or without a space)', () => {
    const args = ['--max-connections-per-ip', '4', '--max-handshakes-per-ip', '2', '--connect-rate-per-ip', '0.5', '--connect-burst-per-ip', '3'];
    args.push('--first-message-timeout', '5 s', '--ban-score', '40', '--ban-time', '2m');
    expect(addressLimitsFromFlags(flags(args), { maxConnectionsPerIp: 64 })).toEqual({
      maxConnectionsPerIp: 4,
      maxPendingHandshakesPerIp: 2,
      connectRatePerIp: 0.5,
      connectBurstPerIp: 3,
      firstMessageTimeout: 5_000,
      banScore: 40,
      banMs: 120_000,
    });
  });

  it.each([
    [['--max-handshakes-per-ip', '0'], /--max-handshakes-per-ip takes a whole number/],
    [['--connect-rate-per-ip', 'fast'], /--connect-rate-per-ip takes a number above 0/],
    [['--first-message-timeout', 'never'], /--first-message-timeout takes a duration/],
    [['--ban-time', '30d'], /--ban-time takes a duration/],
  ])('refuses %j with a UsageError naming the flag', (args, message) => {
    expect(() => addressLimitsFromFlags(flags(args))).toThrow(UsageError);
    expect(() => addressLimitsFromFlags(flags(args))).toThrow(message);
  });
});
