import type { Connection, DialFunction } from '@p2pstream/connection';
import { describe, expect, it } from 'vitest';
import { reachabilityDial, ReachableEntries } from '../src/reachability-dial.js';
import type { ClientTracker } from '../src/tracker.js';

/** A dial that records `name host:port` and never connects (what it returns is not looked at). */
function recordingDial(name: string, calls: string[]): DialFunction {
  return async (host, port) => {
    calls.push(`${name} ${host}:${port}`);
    return {} as Connection;
  };
}

describe('reachabilityDial', () => {
  it('dials over TCP the entries central last said it reached, and over WebRTC the others and those it said nothing of', async () => {
    const entries = new ReachableEntries();
    entries.record([
      { host: '10.0.0.2', port: 7001, edge: 0, reachable: true },
      { host: '10.0.0.201', port: 7102, edge: 0, reachable: false },
      { host: '10.0.0.14', port: 7104, edge: 0 },
    ]);
    // A later look-up that says nothing of an entry keeps what the earlier one said; one that says otherwise wins.
    entries.record([{ host: '10.0.0.2', port: 7001, edge: 5 }, { host: '10.0.0.201', port: 7102, edge: 5, reachable: true }, { host: '10.0.0.14', port: 7104, edge: 5, reachable: false }]);
    const calls: string[] = [];
    const dial = reachabilityDial(entries, recordingDial('tcp', calls), recordingDial('webrtc', calls));
    for (const [host, port] of [['10.0.0.2', 7001], ['10.0.0.201', 7102], ['10.0.0.14', 7104], ['10.0.0.99', 7001]] as const) {
      await dial(host, port, { role: 'peer' });
    }
    expect(calls).toEqual(['tcp 10.0.0.2:7001', 'tcp 10.0.0.201:7102', 'webrtc 10.0.0.14:7104', 'webrtc 10.0.0.99:7001']);
  });

  it('has the trackers it wraps ask central for reachability and records the answer', async () => {
    const asked: unknown[] = [];
    const tracker = {
      announce: async () => ({}),
      update: () => undefined,
      leave: async () => undefined,
      lookup: async (_name: string, options: unknown) => {
        asked.push(options);
        return { name: 'cam1', stream: 'a'.repeat(64), live: true, edge: 0, session: new Uint8Array(8), peers: [{ host: '10.0.0.2', port: 7001, edge: 0, reachable: true }] };
      },
    } as unknown as ClientTracker;
    const entries = new ReachableEntries();
    await entries.recording(tracker).lookup('cam1', { count: 5 });
    expect(asked).toEqual([{ count: 5, reachability: true }]);
    expect(entries.reachable('10.0.0.2', 7001)).toBe(true);
  });
});
