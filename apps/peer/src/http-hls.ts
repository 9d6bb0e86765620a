import type { IncomingMessage, ServerResponse } from 'node:http';
import { TsSegmenter, type TsSegment } from '@p2pstream/data';
import { DEFAULT_HLS_SEGMENT_MS, DEFAULT_HLS_SEGMENTS, HLS_PLAYLIST_PATH, HLS_SEGMENT_PREFIX, HLS_WAIT_MS } from './http-constants.js';
import { COMMON_HEADERS, sendText } from './http-reply.js';

/** Any page may play the stream with its own HLS player (hls.js fetches cross-origin): it is read-only and served to anyone who can reach the port anyway. */
const HLS_HEADERS = { ...COMMON_HEADERS, 'access-control-allow-origin': '*' };

export interface HlsOutputOptions {
  /**
   * Live: segments a playlist lists, and all that are kept; older ones are let go.
   * @default 6
   */
  hlsSegments?: number;
  /**
   * How long a segment is, at least: it ends at the first keyframe after this.
   * @default 2000
   */
  hlsSegmentMs?: number;
}

/**
 * HLS of the stream being played: `/live.m3u8` and its segments
 * (`/hls/N.ts`), cut at video keyframes, each beginning with the PAT and PMT,
 * for Safari and iOS, hls.js, smart TVs and `ffmpeg -i`. Live: a sliding
 * playlist of the newest segments, and only those are kept; a skipped chunk
 * drops the segment it was in and marks the next as a discontinuity.
 * Finished: every segment, and once the stream is played to its end, the
 * playlist ends with EXT-X-ENDLIST. Segments are views of the chunks played
 * (only the PAT and PMT are copies), so a finished stream's costs no more
 * than the chunks the peer holds anyway.
 */
export class HlsOutput {
  /** Set once the stream is known. */
  live = true;
  readonly #segmenter: TsSegmenter;
  readonly #maxSegments: number;
  readonly #segmentMs: number;
  readonly #onRequested: () => void;
  #segments: TsSegment[] = [];
  /** Never lowered, as a live playlist's TARGETDURATION must not change. */
  #targetSeconds: number;
  #requested = false;
  #ended = false;
  #closed = false;
  #waitingForSegment = new Set<() => void>();

  constructor(options: HlsOutputOptions = {}, onRequested: () => void = () => {}) {
    this.#segmentMs = options.hlsSegmentMs ?? DEFAULT_HLS_SEGMENT_MS;
    this.#maxSegments = options.hlsSegments ?? DEFAULT_HLS_SEGMENTS;
    this.#segmenter = new TsSegmenter({ targetMs: this.#segmentMs });
    this.#targetSeconds = Math.ceil(this.#segmentMs / 1000);
    this.#onRequested = onRequested;
  }

  /** An HLS player has asked for the playlist: a finished stream's play-out need not wait for a `/stream.ts` player. */
  get requested(): boolean {
    return this.#requested;
  }

  /** Segments held now. */
  get segments(): number {
    return this.#segments.length;
  }

  write(data: Uint8Array): void {
    if (this.#closed || this.#ended) return;
    for (const segment of this.#segmenter.push(data)) this.#add(segment);
  }

  skipped(): void {
    this.#segmenter.skipped();
  }

  /** The stream was played to its end: its last segment, and EXT-X-ENDLIST. */
  end(): void {
    if (this.#ended) return;
    const last = this.#segmenter.end();
    if (last) this.#add(last);
    this.#ended = true;
    this.#wake();
  }

  close(): void {
    this.#closed = true;
    this.#wake();
  }

  /** Answers `/live.m3u8` (waiting a little for the first segment) or a segment; false for any other path. */
  serve(path: string, request: IncomingMessage, response: ServerResponse): boolean {
    if (path === HLS_PLAYLIST_PATH) {
      if (!this.#requested) {
        this.#requested = true;
        this.#onRequested();
      }
      void this.#servePlaylist(request, response);
      return true;
    }
    const match = new RegExp(`^${HLS_SEGMENT_PREFIX}(\\d{1,15})\\.ts$`).exec(path);
    if (!match) return false;
    const index = Number(match[1]);
    const segment = this.#segments.find((held) => held.index === index);
    if (!segment) {
      sendText(response, 404, `segment ${index} is not held (any more): reload ${HLS_PLAYLIST_PATH}\n`);
      return true;
    }
    response.writeHead(200, { ...HLS_HEADERS, 'content-type': 'video/mp2t', 'content-length': segment.bytes, 'cache-control': 'max-age=3600' });
    if (request.method === 'HEAD') response.end();
    else {
      for (const piece of segment.pieces) response.write(piece);
      response.end();
    }
    return true;
  }

  /** The playlist now (M3U8 text). */
  playlist(): string {
    const segments = this.#segments;
    const lines = ['#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-TARGETDURATION:${this.#targetSeconds}`, `#EXT-X-MEDIA-SEQUENCE:${segments[0]?.index ?? 0}`];
    if (!this.live) lines.push(`#EXT-X-PLAYLIST-TYPE:${this.#ended ? 'VOD' : 'EVENT'}`);
    for (const segment of segments) {
      if (segment.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
      lines.push(`#EXTINF:${(segment.durationMs / 1000).toFixed(3)},`, `${HLS_SEGMENT_PREFIX.slice(1)}${segment.index}.ts`);
    }
    if (this.#ended) lines.push('#EXT-X-ENDLIST');
    return `${lines.join('\n')}\n`;
  }

  async #servePlaylist(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (this.#segments.length === 0 && !this.#ended && !this.#closed) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.#waitingForSegment.delete(done);
          response.off('close', done);
          resolve();
        };
        const timer = setTimeout(done, HLS_WAIT_MS);
        this.#waitingForSegment.add(done);
        response.on('close', done);
      });
    }
    if (response.destroyed) return;
    if (this.#segments.length === 0) {
      sendText(response, 503, 'no segment yet: the stream has not reached its first keyframe; try again in a second\n', { 'retry-after': '1' });
      return;
    }
    response.writeHead(200, { ...HLS_HEADERS, 'content-type': 'application/vnd.apple.mpegurl', 'cache-control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : this.playlist());
  }

  #add(segment: TsSegment): void {
    this.#segments.push(segment);
    // A segment's EXTINF rounded to the nearest second must not exceed TARGETDURATION.
    this.#targetSeconds = Math.max(this.#targetSeconds, Math.round(segment.durationMs / 1000));
    if (this.live && this.#segments.length > this.#maxSegments) this.#segments.splice(0, this.#segments.length - this.#maxSegments);
    this.#wake();
  }

  #wake(): void {
    for (const done of [...this.#waitingForSegment]) done();
  }
}
