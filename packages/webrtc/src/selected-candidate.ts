import type { PeerConnection } from './web-rtc-types.js';

export interface CandidateAddress {
  address: string;
  port: number;
}

/**
 * The other side's address and port on the ICE candidate pair in use, from `getStats()`:
 * what a `ConnectionServer` counts per-IP limits and bans by. Undefined when the
 * implementation does not say (then the transport has no `remoteAddress`).
 */
export async function remoteCandidateOf(peerConnection: PeerConnection): Promise<CandidateAddress | undefined> {
  const reports = new Map<string, Record<string, unknown>>();
  (await peerConnection.getStats()).forEach((report) => reports.set(String(report.id), report));
  let pairId: unknown;
  for (const report of reports.values()) if (report.type === 'transport' && report.selectedCandidatePairId) pairId = report.selectedCandidatePairId;
  // Implementations without the transport report mark the pair in use as nominated and succeeded.
  if (pairId === undefined) {
    for (const report of reports.values()) if (report.type === 'candidate-pair' && report.nominated && report.state === 'succeeded') pairId = report.id;
  }
  const pair = reports.get(String(pairId));
  const candidate = pair && reports.get(String(pair.remoteCandidateId));
  const address = candidate?.address ?? candidate?.ip;
  const port = candidate?.port;
  return typeof address === 'string' && typeof port === 'number' ? { address, port } : undefined;
}
