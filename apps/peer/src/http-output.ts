import type { IncomingMessage, ServerResponse } from 'node:http';
import { findLastVideoFrameStart, findVideoRandomAccess, TS_PACKET_BYTES, TS_SYNC_BYTE } from '@p2pstream/data';
import type { Sink } from '@p2pstream/peer-client';
import { DEFAULT_MAX_PLAYER_BUFFER_BYTES, DEFAULT_MAX_PLAYERS } from './http-constants.js';
import { COMMON_HEADERS, sendText } from './http-reply.js';

export interface HttpOutputOptions {
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
   * Where this player's bytes may go on from: a packet boundary when it has
   * just connected, a video keyframe after a skipped chunk; undefined once
   * they flow.
   */
  waitingFor: 'packet' | 'keyframe' | undefined;
}

/**
 * The players of `/stream.ts`: the stream being played, as MPEG-TS, to any
 * number of them at once. A player that connects mid-stream starts at the next
 * packet boundary; one that goes away costs nothing. Live: nobody is waited
 * for, and a player that stops reading is dropped. Finished: each write waits
 * until at least one player is connected and every player has taken it.
 *
 * A skipped chunk must not reach a browser's decoder as broken frames, which
 * it fails on: the last video frame of each chunk is held back until the next
 * chunk shows it whole (it could not be shown before then anyway), and
 * dropped when the next chunk is skipped; players then go on at the next
 * keyframe, as the frames before it refer to frames that never came.
 */
export class HttpOutput implements Sink {
  /** Live streams never wait for a player. Set once the stream is known. */
  live = true;
  readonly #players = new Set<Player>();
  readonly #maxPlayers: number;
  readonly #maxPlayerBufferBytes: number;
  #waitingForPlayer: Array<() => void> = [];
  #closed = false;
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
  }

  /** Players connected now. */
  get clients(): number {
    return this.#players.size;
  }

  /** Takes a GET or HEAD of the stream: 503 when full or closed. */
  accept(request: IncomingMessage, response: ServerResponse): void {
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
    const player: Player = { response, waitingFor: 'packet' };
    this.#players.add(player);
    response.on('close', () => this.#players.delete(player));
    response.on('error', () => this.#players.delete(player));
    for (const resolve of this.#waitingForPlayer.splice(0)) resolve();
  }

  /** A chunk was skipped: the unfinished frame is dropped, and what comes next goes to each player from the next video keyframe. */
  skipped(): void {
    this.#unfinishedFrame = NOTHING;
    if (!this.#flagsKeyframes) return;
    for (const player of this.#players) if (player.waitingFor === undefined) player.waitingFor = 'keyframe';
  }

  write(data: Uint8Array): Promise<void> | void {
    if (!this.live && this.#players.size === 0 && !this.#closed) {
      return new Promise<void>((resolve) => this.#waitingForPlayer.push(resolve)).then(() => this.write(data));
    }
    if (!this.#flagsKeyframes) this.#flagsKeyframes = startOf(data, 'keyframe') >= 0;
    const boundary = packetBoundary(data);
    const lastFrame = boundary < 0 ? -1 : findLastVideoFrameStart(data, boundary);
    const pieces = [this.#unfinishedFrame, lastFrame < 0 ? data : data.subarray(0, lastFrame)];
    this.#unfinishedFrame = lastFrame < 0 ? NOTHING : data.subarray(lastFrame);
    return this.#send(pieces);
  }

  /** Ends every player's response after the frame held back; later writes go nowhere and nothing waits. */
  close(): void {
    this.#send([this.#unfinishedFrame]);
    this.#unfinishedFrame = NOTHING;
    this.#closed = true;
    for (const resolve of this.#waitingForPlayer.splice(0)) resolve();
    for (const { response } of this.#players) response.end();
    this.#players.clear();
  }

  #send(pieces: Uint8Array[]): Promise<void> | void {
    const waits: Array<Promise<void>> = [];
    for (const player of this.#players) {
      const { response } = player;
      if (this.live && response.writableLength > this.#maxPlayerBufferBytes) {
        response.destroy();
        continue;
      }
      let full = false;
      for (let piece of pieces) {
        if (player.waitingFor !== undefined) {
          const start = startOf(piece, player.waitingFor);
          if (start < 0) continue;
          piece = piece.subarray(start);
          player.waitingFor = undefined;
        }
        if (piece.length > 0) full = !response.write(piece);
      }
      if (full && !this.live) waits.push(new Promise((resolve) => response.once('drain', resolve).once('close', resolve)));
    }
    if (waits.length > 0) return Promise.all(waits).then(() => undefined);
  }
}

const NOTHING = new Uint8Array(0);

function startOf(data: Uint8Array, what: 'packet' | 'keyframe'): number {
  const boundary = packetBoundary(data);
  return what === 'packet' || boundary < 0 ? boundary : findVideoRandomAccess(data, boundary);
}

/** The first offset in `data` where MPEG-TS packets begin (a sync byte with more 188 bytes on), or -1. */
export function packetBoundary(data: Uint8Array): number {
  for (let i = 0; i < data.length; i++) {
    if (data[i] !== TS_SYNC_BYTE) continue;
    let ok = true;
    for (let next = i + TS_PACKET_BYTES; next < data.length && next <= i + 2 * TS_PACKET_BYTES; next += TS_PACKET_BYTES) {
      if (data[next] !== TS_SYNC_BYTE) ok = false;
    }
    if (ok) return i;
  }
  return -1;
}
