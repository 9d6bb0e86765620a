import type { CentralAttempt } from '@p2pstream/tracker-client';
import type { StreamEntry } from '@p2pstream/wire';
import { DEFAULT_CENTRAL } from './cli.js';
import { UsageError } from '@p2pstream/units';
import { UserError } from './usage-error.js';

const codeOf = (error: unknown): string | undefined => (error as { code?: unknown } | null)?.code as string | undefined;

/** The error as a user should read it: one line, what happened and what to do. */
export function userMessage(error: unknown, context: { name?: string } = {}): string {
  if (error instanceof UserError || error instanceof UsageError) return error.message;
  const message = error instanceof Error ? error.message.replace(/\s*\n\s*/g, ' ') : String(error);
  switch (codeOf(error)) {
    case 'NAME_TAKEN':
      return `${context.name === undefined ? 'this name' : `the name ${context.name}`} is taken by another key: pick another name, or publish with the key that owns it (--key FILE)`;
    case 'KEY_BOUND':
      return `this key already publishes another name (${message}); publish ${context.name ?? 'this name'} with its own key (--key FILE)`;
    case 'CENTRAL_UNREACHABLE':
      return centralUnreachable((error as { attempts?: readonly CentralAttempt[] }).attempts ?? []) ?? message;
    case 'TIMESTAMP_OUT_OF_WINDOW':
      return `central refused the publish because this machine's clock is far from central's: set the clock right and try again`;
    default:
      return message;
  }
}

/** Central's default port (that of the default `--central`): the start command needs `--port` only for another. */
const CENTRAL_DEFAULT_PORT = Number(DEFAULT_CENTRAL.slice(DEFAULT_CENTRAL.lastIndexOf(':') + 1));

/**
 * `cannot reach central at 127.0.0.1:2999 (refused the connection) — is it running there? Start it with: …`:
 * every address tried, once, with why, and a start command for the port tried.
 */
function centralUnreachable(attempts: readonly CentralAttempt[]): string | undefined {
  const why = new Map<string, string>();
  for (const { central, error } of attempts) why.set(central, dialFailure(error));
  if (why.size === 0) return undefined;
  const tried = [...why].map(([central, reason]) => `${central} (${reason})`).join(', ');
  const ports = new Set([...why.keys()].map((central) => Number(central.slice(central.lastIndexOf(':') + 1))));
  const port = ports.size === 1 ? [...ports][0]! : CENTRAL_DEFAULT_PORT;
  const flags = port === CENTRAL_DEFAULT_PORT ? '' : ` -- --port ${port}`;
  return `cannot reach central at ${tried} — is it running there? Start it with: npx nx run central:serve${flags}`;
}

/** Why one central could not be reached, short: the address is said beside it already. */
function dialFailure(error: Error): string {
  const code = codeOf(error);
  if (code === 'CONNECTION_REFUSED') return 'refused the connection';
  const shown = code === 'CONNECT_FAILED' && error.cause instanceof Error ? error.cause : error;
  return shown.message.replace(/\s*\n\s*/g, ' ');
}

/** What `list` prints: a table with a header, or nothing when nothing is on. */
export function formatStreams(streams: readonly StreamEntry[]): string {
  if (streams.length === 0) return '';
  const rows = [['NAME', 'STATE', 'VIEWERS', 'CHUNKS'], ...streams.map((s) => [s.name, s.live ? 'live' : 'finished', String(s.peers), String(s.edge)])];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n') + '\n';
}
