import type { StreamEntry } from '@p2pstream/wire';
import { UsageError, UserError } from './usage-error.js';

const codeOf = (error: unknown): string | undefined => (error as { code?: unknown } | null)?.code as string | undefined;

/** The error as a user should read it: one line, what happened and what to do. */
export function userMessage(error: unknown, context: { name?: string } = {}): string {
  if (error instanceof UserError || error instanceof UsageError) return error.message;
  const message = error instanceof Error ? error.message.replace(/\s*\n\s*/g, ' ') : String(error);
  switch (codeOf(error)) {
    case 'NAME_TAKEN':
      return `the name ${context.name ?? ''} is taken by another key: pick another name, or publish with the key that owns it (--key FILE)`;
    case 'KEY_BOUND':
      return `this key already publishes another name (${message}); publish ${context.name ?? 'this name'} with its own key (--key FILE)`;
    case 'TIMESTAMP_OUT_OF_WINDOW':
      return `central refused the publish because this machine's clock is far from central's: set the clock right and try again`;
    default:
      return message;
  }
}

/** What `list` prints: a table with a header, or nothing when nothing is on. */
export function formatStreams(streams: readonly StreamEntry[]): string {
  if (streams.length === 0) return '';
  const rows = [['NAME', 'STATE', 'VIEWERS', 'CHUNKS'], ...streams.map((s) => [s.name, s.live ? 'live' : 'finished', String(s.peers), String(s.edge)])];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n') + '\n';
}
