import type { IncomingMessage, ServerResponse } from 'node:http';
import { findLastVideoFrameStart, findVideoRandomAccess, packetBoundary, RandomAccessStart } from '@p2pstream/data';
import type { Sink } from '@p2pstream/peer-client';
import { DEFAULT_MAX_PLAYER_BUFFER_BYTES, DEFAULT_MAX_PLAYERS } from './http-constants.js';
import { HlsOutput, type HlsOutputOptions } from './http-hls.js';
import { COMMON_HEADERS, sendText } from './http-reply.js';

export interface HttpOutputOptions extends HlsOutputOptions {
  /**
   * Players served at once; more get 503.
   * @default 64
   */
  maxPlayers?: number;
  /**
   * Live: a player this many bytes behind is disconnected (it stopped reading).
   * @default 8 MiB
   */
  maxPlayerBufferBytes?: number;
}

interface Player {
  readonly response: ServerResponse;
  /**
   * Where this player's bytes may begin: its PAT and PMT then a video keyframe,
   * when it connected mid-stream or after a skipped chunk; undefined once they flow.
   */
  start: RandomAccessStart | undefined;
}

/**
 * The players of `/stream.ts`: the stream being played, as MPEG-TS, to any
 * number of them at once, and the same bytes cut into HLS segments (`hls`). A
 * player that connects before the first byte gets every byte; one that
 * connects mid-stream starts at the next video keyframe, after the stream's
 * PAT and PMT, so its decoder has a whole picture to begin with; one that goes
 * away costs nothing. Live: nobody is waited for, and a player that stops
 * reading is dropped. Finished: each write waits until at least one player is
 * connected (or an HLS player asked) and every player has taken it.
 *
 * A skipped chunk must not reach a browser's decoder as broken frames, which
 * it fails on: the last video frame of each chunk is held back until the next
 * chunk shows it whole (it could not be shown before then anyway), and
 * dropped when the next chunk is skipped; players then go on at the next
 * keyframe, as the frames before it refer to frames that never came.
 */
export class HttpOutput implements Sink {
  /** `/live.m3u8` and its segments. */
  readonly hls: HlsOutput;
  readonly #players = new Set<Player>();
  readonly #maxPlayers: number;
  readonly #maxPlayerBufferBytes: number;
  #live = true;
  #waitingForPlayer: Array<() => void> = [];
  #written = false;
  #closed = false;
  #ended = false;
  /**
   * The stream has shown a video keyframe flagged for random access: worth
   * waiting for the next after a skip. A stream whose muxer flags none (or
   * with no video) is never held back.
   */
  #flagsKeyframes = false;
  /** The start of the last video frame written, not yet sent: its end comes with the next chunk. */
  #unfinishedFrame: Uint8Array = NOTHING;

  constructor(options: HttpOutputOptions = {}) {
    this.#maxPlayers = options.maxPlayers ?? DEFAULT_MAX_PLAYERS;
    this.#maxPlayerBufferBytes = options.maxPlayerBufferBytes ?? DEFAULT_MAX_PLAYER_BUFFER_BYTES;
    this.hls = new HlsOutput(options, () => this.#wakeWriters());
  }

  /** Live streams never wait for a player. Set once the stream is known. */
  get live(): boolean {
    return this.#live;
  }

  set live(live: boolean) {
    this.#live = live;
    this.hls.live = live;
  }

  /** Players connected now. */
  get clients(): number {
    return this.#players.size;
  }

  /** Takes a GET or HEAD of the stream: 503 when full, closed or played to its end. */
  accept(request: IncomingMessage, response: ServerResponse): void {
    if (this.#ended) {
      sendText(response, 503, `the stream has been played to its end; HLS players can still play it from /live.m3u8\n`);
      return;
    }
    if (this.#closed || this.#players.size >= this.#maxPlayers) {
      sendText(response, 503, `too many players (${this.#maxPlayers}); try again later\n`, { 'retry-after': '5' });
      return;
    }
    response.writeHead(200, { ...COMMON_HEADERS, 'content-type': 'video/mp2t', 'cache-control': 'no-store' });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    response.flushHeaders();
    const player: Player = { response, start: this.#written ? this.#newStart() : undefined };
    this.#players.add(player);
    response.once('close', () => this.#players.delete(player));
    response.once('error', () => this.#players.delete(player));
    this.#wakeWriters();
  }

  /** A chunk was skipped: the unfinished frame is dropped, and what comes next goes to each player from the next video keyframe. */
  skipped(): void {
    this.#unfinishedFrame = NOTHING;
    this.hls.skipped();
    if (!this.#flagsKeyframes) return;
    for (const player of this.#players) player.start ??= this.#newStart();
  }

  write(data: Uint8Array): Promise<void> | void {
    if (!this.#live && this.#players.size === 0 && !this.hls.requested && !this.#closed) {
      return new Promise<void>((resolve) => this.#waitingForPlayer.push(resolve)).then(() => this.write(data));
    }
    this.#written = true;
    this.hls.write(data);
    if (!this.#flagsKeyframes) {
      const boundary = packetBoundary(data);
      this.#flagsKeyframes = boundary >= 0 && findVideoRandomAccess(data, boundary) >= 0;
    }
    const boundary = packetBoundary(data);
    const lastFrame = boundary < 0 ? -1 : findLastVideoFrameStart(data, boundary);
    const pieces = [this.#unfinishedFrame, lastFrame < 0 ? data : data.subarray(0, lastFrame)];
    this.#unfinishedFrame = lastFrame < 0 ? NOTHING : data.subarray(lastFrame);
    return this.#send(pieces);
  }

  /**
   * The stream was played to its end: each player gets the frame held back and
   * its response ends; HLS goes on serving the whole stream (a finished stream's
   * playlist is complete now).
   */
  end(): void {
    this.#finish();
    this.#ended = true;
    this.hls.end();
  }

  /** Ends every player's response after the frame held back; later writes go nowhere and nothing waits. */
  close(): void {
    this.#finish();
    this.#closed = true;
    this.hls.close();
    this.#wakeWriters();
  }

  #finish(): void {
    this.#send([this.#unfinishedFrame]);
    this.#unfinishedFrame = NOTHING;
    for (const { response } of this.#players) response.end();
    this.#players.clear();
  }

  #wakeWriters(): void {
    for (const resolve of this.#waitingForPlayer.splice(0)) resolve();
  }

  /** A stream whose muxer flags no keyframes has none to wait for: such a player starts after the next PAT and PMT. */
  #newStart(): RandomAccessStart {
    return new RandomAccessStart(this.#flagsKeyframes ? {} : { maxWaitBytes: 0 });
  }

  #send(pieces: Uint8Array[]): Promise<void> | void {
    const waits: Array<Promise<void>> = [];
    for (const player of this.#players) {
      const { response } = player;
      if (this.#live && response.writableLength > this.#maxPlayerBufferBytes) {
        response.destroy();
        continue;
      }
      let full = false;
      for (const piece of pieces) {
        const { start } = player;
        const out = start ? start.push(piece) : [piece];
        if (start?.started) player.start = undefined;
        for (const bytes of out) if (bytes.length > 0) full = !response.write(bytes);
      }
      if (full && !this.#live) waits.push(drained(response));
    }
    if (waits.length > 0) return Promise.all(waits).then(() => undefined);
  }
}

const NOTHING = new Uint8Array(0);

/** Resolves when `response` drains or closes, leaving no listener behind either way. */
function drained(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}
