import { UsageError } from './usage-error.js';

/**
 * One STUN or TURN server as WebRTC takes it (`RTCIceServer`; `@p2pstream/webrtc`'s
 * `IceServer` has the same shape). Here because every program with an `--ice` flag
 * (the peer, central for its watch page) parses it the same way.
 */
export interface IceServer {
  urls: string;
  username?: string;
  credential?: string;
}

/** `--ice` URLs as WebRTC takes them (RFC 7064/7065); `USER:PASS@` before a TURN host is ours. */
const ICE_URL = /^(stuns?|turns?):(?:([^:@\s]+):([^@\s]+)@)?(\[[0-9a-fA-F:.]+\]|[^\s:/?@[\]]+)(?::(\d{1,5}))?(\?transport=(?:udp|tcp))?$/;

/**
 * One `--ice` flag → an ICE server: `stun:HOST[:PORT]`, `stuns:…`, or `turn:[USER:PASS@]HOST[:PORT][?transport=udp|tcp]`
 * (`turns:` likewise). A TURN server needs the credentials; a STUN server takes none.
 */
export function parseIceServer(text: string): IceServer {
  const match = ICE_URL.exec(text.trim());
  const port = match?.[5] === undefined ? undefined : Number(match[5]);
  if (!match || (port !== undefined && (port < 1 || port > 65_535))) {
    throw new UsageError(`--ice takes a STUN or TURN server like stun:stun.example.org:3478 or turn:USER:PASS@turn.example.org:3478, not "${text}"`);
  }
  const [, scheme, username, credential, host] = match;
  const turn = scheme!.startsWith('turn');
  if (turn && username === undefined) throw new UsageError(`--ice ${text}: a TURN server needs its user name and password, as turn:USER:PASS@${host}`);
  if (!turn && username !== undefined) throw new UsageError(`--ice ${text}: a STUN server takes no user name or password`);
  const urls = `${scheme}:${host}${port === undefined ? '' : `:${port}`}${match[6] ?? ''}`;
  return turn ? { urls, username: decodeURIComponent(username!), credential: decodeURIComponent(credential!) } : { urls };
}
