import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { isIPv6 } from 'node:net';
import { RateLimiter } from '@p2pstream/tracker';
import { wallClock, type Clock } from '@p2pstream/units';
import { CentralStartError } from './errors.js';
import { decodeBindingRequest, encodeBindingSuccess, type StunDropReason } from './stun-codec.js';

/** Binding Requests one IP address may send per second, on average (ICE sends a few per server and retries). */
export const DEFAULT_STUN_RATE_PER_IP = 20;
/** Seconds' worth of `--stun-rate` that may come at once. */
export const STUN_BURST_SECONDS = 2;
/** How often buckets that have refilled are forgotten, so memory tracks only active senders. */
const PRUNE_INTERVAL_MS = 10_000;

export interface StunServerOptions {
  readonly host: string;
  readonly port: number;
  /** Binding Requests answered per second per source address, on average. */
  readonly ratePerIp: number;
  readonly clock?: Clock;
}

/** What the STUN server did with the datagrams it got. */
export interface StunCounters {
  answered: number;
  rateLimited: number;
  dropped: Record<StunDropReason, number>;
}

export interface RunningStunServer {
  readonly address: AddressInfo;
  readonly counters: StunCounters;
  close(): Promise<void>;
}

/**
 * Answers STUN Binding Requests on UDP (`central --stun`), so WebRTC peers behind a NAT learn
 * their public address from central itself instead of a third party's STUN server.
 * Each source address is held to `ratePerIp`: a reply is as large as the request, so this
 * cannot amplify, but it should not become a free reflector either.
 */
export async function startStunServer(options: StunServerOptions): Promise<RunningStunServer> {
  const socket = createSocket({ type: isIPv6(options.host) ? 'udp6' : 'udp4' });
  const limiter = new RateLimiter({ ratePerSecond: options.ratePerIp, burst: Math.max(1, options.ratePerIp * STUN_BURST_SECONDS), clock: options.clock ?? wallClock });
  const counters: StunCounters = { answered: 0, rateLimited: 0, dropped: { malformed: 0, 'not-a-binding-request': 0, 'unsupported-attribute': 0 } };

  await listen(socket, options.host, options.port);
  socket.on('message', (packet: Buffer, from: RemoteInfo) => {
    const decoded = decodeBindingRequest(packet);
    if (!decoded.ok) {
      counters.dropped[decoded.reason] += 1;
      return;
    }
    if (!limiter.take(from.address)) {
      counters.rateLimited += 1;
      return;
    }
    counters.answered += 1;
    // A send that fails (the sender's network gone) loses one reply the client retries anyway.
    socket.send(encodeBindingSuccess(decoded.request.transactionId, from.address, from.port), from.port, from.address, () => undefined);
  });
  // A UDP socket reports ICMP errors of earlier sends here; they concern one client, not the server.
  socket.on('error', () => undefined);
  const pruner = setInterval(() => limiter.prune(), PRUNE_INTERVAL_MS);
  pruner.unref();

  let closing: Promise<void> | undefined;
  return {
    address: socket.address(),
    counters,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        clearInterval(pruner);
        socket.close(() => resolve());
      })),
  };
}

function listen(socket: Socket, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      socket.close();
      reject(
        new CentralStartError(
          error.code === 'EADDRINUSE' ? 'ADDRESS_IN_USE' : 'LISTEN_FAILED',
          `cannot answer STUN on UDP ${host}:${port} (${error.message}) — choose another address or port with --stun (0 picks a free one)`,
          { cause: error },
        ),
      );
    };
    socket.once('error', failed);
    socket.bind(port, host, () => {
      socket.off('error', failed);
      resolve();
    });
  });
}
