import type { PeerConnection } from './web-rtc-types.js';

export interface CandidateAddress {
  address: string;
  port: number;
}

export interface RemoteCandidateOptions {
  /** How many times `getStats()` is read before giving up (default 10). */
  attempts?: number;
  /** The wait between two reads, in ms (default 20). */
  intervalMs?: number;
}

/**
 * The other side's address and port on the ICE candidate pair in use, from `getStats()`:
 * what a `ConnectionServer` counts per-IP limits and bans by. Right after the channel
 * opens, an implementation may not report the selected pair yet (@roamhq/wrtc sometimes
 * does not), or report a peer-reflexive candidate with its address blanked (`''`, seen
 * in 5 of 600 @roamhq/wrtc pairs on a loaded machine, the real one a read later), so the
 * stats are read again a bounded number of times. Undefined when the implementation
 * never says (then the transport has no `remoteAddress`).
 */
export async function remoteCandidateOf(peerConnection: PeerConnection, options: RemoteCandidateOptions = {}): Promise<CandidateAddress | undefined> {
  const attempts = options.attempts ?? 10;
  for (let attempt = 1; ; attempt++) {
    const remote = selectedRemoteCandidate(await peerConnection.getStats());
    if (remote || attempt >= attempts || peerConnection.connectionState === 'closed') return remote;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 20));
  }
}

function selectedRemoteCandidate(stats: Awaited<ReturnType<PeerConnection['getStats']>>): CandidateAddress | undefined {
  const reports = new Map<string, Record<string, unknown>>();
  stats.forEach((report) => reports.set(String(report.id), report));
  let pairId: unknown;
  for (const report of reports.values()) if (report.type === 'transport' && report.selectedCandidatePairId) pairId = report.selectedCandidatePairId;
  // Implementations without the transport report mark the pair in use as nominated and succeeded.
  if (pairId === undefined) {
    for (const report of reports.values()) if (report.type === 'candidate-pair' && report.nominated && report.state === 'succeeded') pairId = report.id;
  }
  const pair = reports.get(String(pairId));
  const candidate = pair && reports.get(String(pair.remoteCandidateId));
  // An implementation may report an empty `address` (and the address in `ip`), or both empty before the pair settles.
  const address = [candidate?.address, candidate?.ip].find((value) => typeof value === 'string' && value !== '') as string | undefined;
  const port = candidate?.port;
  return address !== undefined && typeof port === 'number' ? { address, port } : undefined;
}
