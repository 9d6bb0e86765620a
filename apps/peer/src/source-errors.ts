import { UserError } from './usage-error.js';

/** Where a publish source is named in messages: `stdin`, or `--source FILE`. */
export function sourceLabel(source: string): string {
  return source === '-' ? 'stdin' : `--source ${source}`;
}

/**
 * The source is not MPEG-TS, and `--format raw` was not given: viewers' players,
 * the web page and HLS would get bytes they cannot play. Exit code 1.
 */
export class NotMpegTsError extends UserError {
  override readonly code = 'NOT_MPEG_TS';
  constructor(source: string) {
    super(
      `${sourceLabel(source)} is not MPEG-TS (no sync byte 0x47 every 188 bytes), which is what viewers' players expect: ` +
        `convert it (ffmpeg -i IN -c copy -f mpegts OUT.ts), or publish the bytes as they are with --format raw`,
    );
  }
}

/** The source ended before its first byte: there is nothing to publish. Exit code 1. */
export class SourceEmptyError extends UserError {
  override readonly code = 'SOURCE_EMPTY';
  constructor(source: string) {
    super(
      source === '-'
        ? 'stdin ended before any data came: nothing to publish (pipe a stream in, e.g. ffmpeg -re -i IN -c copy -f mpegts - | … publish NAME --source -)'
        : `${sourceLabel(source)} is empty: nothing to publish`,
    );
  }
}
