import { answerWebRTC, type PeerClientOptions } from '@p2pstream/peer-client';
import type { PeerServer } from '@p2pstream/peer-server';
import type { TrackerClient } from '@p2pstream/tracker-client';
import type { WebRTCConfig } from './cli.js';
import type { Lifecycle } from './lifecycle.js';
import type { Log } from './log.js';
import { UserError } from './usage-error.js';
import { userMessage } from './user-errors.js';

/** What `PeerClient`'s `webrtc` option takes, from `--webrtc` and its limits. */
export type PeerWebRTC = NonNullable<PeerClientOptions['webrtc']>;

/**
 * `--webrtc`: Node's WebRTC (`@roamhq/wrtc`, a native module) is loaded only then, so a
 * peer that speaks only TCP never loads it. It is an optional dependency: where its
 * prebuilt binary cannot install, the peer still installs, and only `--webrtc` fails, saying so.
 */
export async function loadWebRTC(config: WebRTCConfig): Promise<PeerWebRTC> {
  let module: { default: { RTCPeerConnection: unknown } };
  try {
    module = (await import('@roamhq/wrtc')) as typeof module;
  } catch (error) {
    throw new UserError(`--webrtc needs the @roamhq/wrtc package, which did not load (${(error as Error).message}): install it with npm install @roamhq/wrtc, or leave out --webrtc`, '', { cause: error });
  }
  return { RTCPeerConnection: module.default.RTCPeerConnection as PeerWebRTC['RTCPeerConnection'], maxSetups: config.maxSetups, openTimeoutMs: config.openTimeoutMs, iceServers: [...config.iceServers] };
}

/** A publisher's side of `--webrtc`: answers offers relayed to its entries into its peer server, until stop. */
export function answerOffers(webrtc: PeerWebRTC, tracker: TrackerClient, server: PeerServer, log: Log, lifecycle: Lifecycle): void {
  const answerer = answerWebRTC({
    ...webrtc,
    tracker,
    server: {
      accept(transport) {
        // Said once per channel: the only sign in the output that a peer came over WebRTC, not TCP.
        log.info(`p2pstream peer: a peer at ${transport.remoteAddress}:${transport.remotePort} connected over a WebRTC data channel`);
        server.accept(transport);
      },
    },
    onWarning: (error) => log.warn(`p2pstream peer: ${userMessage(error)}`),
  });
  lifecycle.add(() => answerer.close());
}
