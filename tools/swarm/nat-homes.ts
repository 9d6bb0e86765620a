import { readFileSync } from 'node:fs';
import type { ViewerStatsLine } from '@p2pstream/peer-client';
import { parseInteger, parseFraction } from '@p2pstream/units';

/**
 * `--nat`: which viewers sit in which home, the ports that keep two viewers behind one
 * router apart, and the report's `nat` section — per viewer whether it is NAT'd and what it
 * uploaded, the NAT'd viewers' share of all viewer upload, and the bytes NAT'd viewers got
 * from NAT'd viewers in other homes.
 */

export interface NatOptions {
  /** Home networks, each behind a router namespace that masquerades. */
  homes: number;
  /** Share of the viewers placed in homes (spread evenly over the slots, then over the homes). */
  homeShare: number;
  /**
   * Viewers reach each other over WebRTC with central's STUN (NAT traversal); false: TCP
   * only, so nobody reaches a NAT'd viewer and it uploads only over connections it dialed.
   * @default true
   */
  traversal?: boolean;
}

export const DEFAULT_HOMES = 2;
export const DEFAULT_HOME_SHARE = 0.8;
/** Where central answers STUN and serves WebSocket inside a NAT run (its namespace has the addresses to itself). */
export const NAT_STUN_PORT = 3478;
export const NAT_WS_PORT = 7002;
/** Viewer N listens on 7100 + N: viewers behind one router share its address, so their ports tell them apart. */
const FIRST_VIEWER_PORT = 7100;

export function parseNatFlags(homes: string | undefined, homeShare: string | undefined, noTraversal = false): NatOptions {
  return {
    homes: homes === undefined ? DEFAULT_HOMES : parseInteger('--homes', homes, 1, 40),
    homeShare: homeShare === undefined ? DEFAULT_HOME_SHARE : parseFraction('--home-share', homeShare),
    ...(noTraversal ? { traversal: false } : {}),
  };
}

/** The port viewer `slot` (1-based) listens on in a NAT run. */
export function natViewerPort(slot: number): number {
  return FIRST_VIEWER_PORT + slot;
}

/**
 * The home (1-based) of each viewer slot, or null for a public one: round(share × viewers)
 * NAT'd slots spread evenly among the slots (so the first viewers started are not all of
 * one kind), dealt to the homes in turn.
 */
export function assignHomes(viewers: number, homes: number, share: number): Array<number | null> {
  const natted = Math.round(share * viewers);
  const result: Array<number | null> = [];
  let dealt = 0;
  for (let i = 0; i < viewers; i++) {
    const isNatted = Math.floor(((i + 1) * natted) / viewers) > Math.floor((i * natted) / viewers);
    result.push(isNatted ? (dealt++ % homes) + 1 : null);
  }
  return result;
}

export interface NatViewer {
  slot: number;
  /** The home it sits in, null for a public viewer. */
  home: number | null;
  /** `host:port` as central and the other peers see it: the router's address for a NAT'd viewer. */
  entry: string;
  stats: readonly ViewerStatsLine[];
}

export interface NatReport {
  homes: number;
  homeShare: number;
  viewers: Array<{ slot: number; home: number | null; natted: boolean; entry: string; bytesUploaded: number }>;
  /** Bytes uploaded by NAT'd viewers ÷ bytes uploaded by all viewers (null when no viewer uploaded). */
  nattedUploadShare: number | null;
  /**
   * Chunk bytes a NAT'd viewer received from a NAT'd viewer in another home, by pair. A TCP
   * dial to a router's address is dropped, so these came over WebRTC through both NATs.
   * Read from `bytesByPeer` (bytes of the connections open at each stats line): a lower bound.
   */
  acrossHomes: Array<{ from: number; to: number; bytes: number }>;
  /** What central's dial-backs found (its last `--stats` line): reachable, unreachable (behind a router), busy (not tried). */
  dialBacks: DialBacks | null;
}

export interface DialBacks {
  reachable: number;
  unreachable: number;
  busy: number;
}

/** `dialBacks` of the last complete line of central's `--stats` file; null when there is none. */
export function readDialBacks(file: string): DialBacks | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const last = text.slice(0, text.lastIndexOf('\n')).split('\n').at(-1);
  if (!last) return null;
  const { dialBacks } = JSON.parse(last) as { dialBacks?: DialBacks };
  return dialBacks ? { reachable: dialBacks.reachable, unreachable: dialBacks.unreachable, busy: dialBacks.busy } : null;
}

export function natReport(options: NatOptions, viewers: readonly NatViewer[], dialBacks: DialBacks | null = null): NatReport {
  const bySlot = new Map<number, { bytesUploaded: number }>();
  for (const viewer of viewers) {
    // Restarted viewers (incarnations) add up; each incarnation's counter starts at 0.
    const uploaded = viewer.stats.at(-1)?.bytesUploaded ?? 0;
    bySlot.set(viewer.slot, { bytesUploaded: (bySlot.get(viewer.slot)?.bytesUploaded ?? 0) + uploaded });
  }
  const slots = [...new Map(viewers.map((viewer) => [viewer.slot, viewer])).values()];
  const rows = slots.map((viewer) => ({
    slot: viewer.slot,
    home: viewer.home,
    natted: viewer.home !== null,
    entry: viewer.entry,
    bytesUploaded: bySlot.get(viewer.slot)!.bytesUploaded,
  }));
  const total = rows.reduce((sum, row) => sum + row.bytesUploaded, 0);
  const natted = rows.filter((row) => row.natted).reduce((sum, row) => sum + row.bytesUploaded, 0);

  const slotByEntry = new Map(slots.map((viewer) => [viewer.entry, viewer]));
  const pairs = new Map<string, { from: number; to: number; bytes: number }>();
  for (const receiver of viewers) {
    if (receiver.home === null) continue;
    // Per sender, the most any one line showed: a connection's count only grows while it is open.
    const most = new Map<string, number>();
    for (const line of receiver.stats) {
      for (const [entry, bytes] of Object.entries(line.bytesByPeer)) most.set(entry, Math.max(most.get(entry) ?? 0, bytes));
    }
    for (const [entry, bytes] of most) {
      const sender = slotByEntry.get(entry);
      if (!sender || sender.home === null || sender.home === receiver.home || bytes === 0) continue;
      const key = `${sender.slot}>${receiver.slot}`;
      const pair = pairs.get(key) ?? { from: sender.slot, to: receiver.slot, bytes: 0 };
      pair.bytes += bytes;
      pairs.set(key, pair);
    }
  }
  return {
    homes: options.homes,
    homeShare: options.homeShare,
    viewers: rows,
    nattedUploadShare: total === 0 ? null : Math.round((natted / total) * 1000) / 1000,
    acrossHomes: [...pairs.values()].sort((a, b) => b.bytes - a.bytes),
    dialBacks,
  };
}
