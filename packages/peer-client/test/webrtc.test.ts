import { EventEmitter } from 'node:events';
import wrtc from '@roamhq/wrtc';
import { describe, expect, it } from 'vitest';
import type { Chunk } from '@p2pstream/data';
import type { ReceivedSignal } from '@p2pstream/tracker-client';
import type { PeerConnectionClass } from '@p2pstream/webrtc';
import { onCleanup } from '../../../tools/testing/cleanup.js';
import { answerWebRTC, trackerSignaling, webRTCDial } from '../src/index.js';
import { CollectingSink, countingDial, once, startPublisher, startServer, startViewer, TestCentral } from './helpers.js';

// Node has no WebRTC of its own: @roamhq/wrtc's libwebrtc, over loopback host candidates.
const RTCPeerConnection = wrtc.RTCPeerConnection as unknown as PeerConnectionClass;
const concat = (chunks: Chunk[]) => Buffer.concat(chunks.map((chunk) => Buffer.from(chunk.data)));

/** A publisher whose entry takes signals and answers offers with data channels into its peer server. */
async function startSignalingPublisher(central: TestCentral, name: string, count: number) {
  const publisher = await startPublisher(central, name, { count, live: false, listed: false });
  await publisher.tracker.announce({ stream: publisher.key.streamId, port: publisher.server.port, edge: count, live: false, signals: true });
  const warnings: Error[] = [];
  const answerer = answerWebRTC({ tracker: publisher.tracker, server: publisher.server, RTCPeerConnection, onWarning: (error) => warnings.push(error) });
  onCleanup(() => answerer.close());
  return { ...publisher, answerer, warnings };
}

/** A viewer with WebRTC that watches `name` to its end, counting the TCP dials it makes. */
async function watchToTheEnd(central: TestCentral, name: string) {
  const tcpDials = new Map<string, number>();
  const sink = new CollectingSink();
  const { client } = await startViewer(central, name, { sink, webrtc: { RTCPeerConnection }, dial: countingDial(tcpDials) });
  const ended = once(client, 'end', 30_000);
  await client.start();
  await ended;
  return { client, sink, tcpDials };
}

describe('PeerClient over WebRTC data channels set up through central', () => {
  it('plays a finished stream byte for byte over a data channel, never dialing over TCP a publisher central did not dial back', async () => {
    const central = await TestCentral.start({ dialBack: { timeout: 0 } });
    const publisher = await startSignalingPublisher(central, 'film', 20);
    const { client, sink, tcpDials } = await watchToTheEnd(central, 'film');

    expect(sink.bytes.equals(concat(publisher.chunks))).toBe(true);
    expect(client.stats()).toMatchObject({ played: 20, skipped: 0, bytesFromPublisher: 20 * 3000 });
    expect(tcpDials.size).toBe(0);
    expect(publisher.server.stats().bytesUploaded).toBe(20 * 3000);
    expect(publisher.warnings).toEqual([]);
  });

  it('dials over TCP a publisher central dialed back, with no data channel set up', async () => {
    const central = await TestCentral.start();
    const publisher = await startSignalingPublisher(central, 'film', 10);
    const asker = central.client();
    // Central dials the publisher back at its announce; the viewer starts once central says it reached it.
    for (let attempt = 0; attempt < 250; attempt++) {
      if ((await asker.lookup('film', { reachability: true })).peers[0]?.reachable === true) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const { sink, tcpDials } = await watchToTheEnd(central, 'film');

    expect(sink.bytes.equals(concat(publisher.chunks))).toBe(true);
    expect([...tcpDials]).toEqual([[`127.0.0.1:${publisher.server.port}`, 1]]);
    expect(central.running.signals.counters.relayed).toBe(0);
  });

  it('reaches an entry that takes no signals over TCP instead, after central refuses the offer', async () => {
    const central = await TestCentral.start({ dialBack: { timeout: 0 } });
    const publisher = await startPublisher(central, 'film', { count: 10, live: false });
    const { sink, tcpDials } = await watchToTheEnd(central, 'film');

    expect(sink.bytes.equals(concat(publisher.chunks))).toBe(true);
    expect([...tcpDials]).toEqual([[`127.0.0.1:${publisher.server.port}`, 1]]);
  });

  it('opens both channels when two entries offer each other at the same moment, each set-up hearing only its own signals', async () => {
    const central = await TestCentral.start();
    const publisher = await startPublisher(central, 'film', { count: 1, live: false });
    const stream = publisher.key.streamId;
    // Two peers, each announcing its own server as an entry that takes signals and answering offers into it.
    const peers = await Promise.all(
      [0, 1].map(async () => {
        const server = await startServer();
        const tracker = central.client();
        await tracker.announce({ stream, port: server.port, edge: 0, live: false, signals: true });
        const warnings: Error[] = [];
        const answerer = answerWebRTC({ tracker, server, RTCPeerConnection, onWarning: (error) => warnings.push(error) });
        onCleanup(() => answerer.close());
        return { server, dial: webRTCDial({ tracker, stream, RTCPeerConnection }), warnings };
      }),
    );
    const [a, b] = peers as [(typeof peers)[0], (typeof peers)[0]];

    const [aToB, bToA] = await Promise.all([a.dial('127.0.0.1', b.server.port, { role: 'peer' }), b.dial('127.0.0.1', a.server.port, { role: 'peer' })]);
    onCleanup(() => Promise.all([aToB.close(), bToA.close()]));

    // Open means each handshake went through with the other side's server, over its own channel.
    expect([aToB.state, bToA.state]).toEqual(['open', 'open']);
    expect([...a.warnings, ...b.warnings]).toEqual([]);
  });

  it('rejects with central\'s SIGNALS_NOT_ACCEPTED when dialing, without a fallback, an entry that takes no signals', async () => {
    const central = await TestCentral.start();
    const publisher = await startPublisher(central, 'film', { count: 1, live: false });
    const viewerTracker = central.client();
    await viewerTracker.announce({ stream: publisher.key.streamId, port: 9, edge: 0, live: false, signals: true });
    const dialOverWebRTC = webRTCDial({ tracker: viewerTracker, stream: publisher.key.streamId, RTCPeerConnection });

    await expect(dialOverWebRTC('127.0.0.1', publisher.server.port, { role: 'peer' })).rejects.toMatchObject({
      code: 'SIGNALS_NOT_ACCEPTED',
      message: expect.stringContaining('connect to it over TCP instead'),
    });
    expect(publisher.server.stats().connections).toBe(0);
  });
});

/** A stand-in for central's relay: the test emits the `signal` events, and what is sent is recorded. */
class FakeRelay extends EventEmitter<{ signal: [ReceivedSignal] }> {
  readonly sent: Array<{ stream: string; to: { host: string; port: number }; text: string }> = [];
  signal = (stream: string, to: { host: string; port: number }, data: Uint8Array) => {
    this.sent.push({ stream, to, text: new TextDecoder().decode(data) });
    return Promise.resolve();
  };
  /** A signal from the entry 127.0.0.1:port: `message` in an envelope of set-up `setup`, or the raw JSON `message` without `setup`. */
  from(stream: string, port: number, message: unknown, setup?: string): void {
    const data = setup === undefined ? message : { setup, message };
    this.emit('signal', { stream, from: { host: '127.0.0.1', port }, data: new TextEncoder().encode(JSON.stringify(data)) });
  }
  offerFrom(port: number, setup = `setup-${port}`): void {
    this.from('a'.repeat(64), port, { t: 'description', type: 'offer', sdp: 'v=0\r\n' }, setup);
  }
}

describe('trackerSignaling', () => {
  it('sends JSON tagged with its set-up to its one entry and hears only that set-up of that entry of that stream, keeping what came before a listener', () => {
    const relay = new FakeRelay();
    const [stream, other] = ['a'.repeat(64), 'b'.repeat(64)];
    const signaling = trackerSignaling(relay, stream, { host: '127.0.0.1', port: 5001 }, { setup: 'mine' });
    onCleanup(() => signaling.close());
    const candidate = { t: 'candidate', candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 } as const;

    relay.from(stream, 5001, { early: true }, 'mine');
    relay.from(stream, 5002, { wrong: 'entry' }, 'mine');
    relay.from(other, 5001, { wrong: 'stream' }, 'mine');
    relay.from(stream, 5001, { wrong: 'set-up' }, 'theirs');
    relay.from(stream, 5001, { no: 'set-up' });
    const heard: unknown[] = [];
    const stop = signaling.onMessage((message) => heard.push(message));
    relay.from(stream, 5001, candidate, 'mine');
    stop();
    relay.from(stream, 5001, { after: 'stop' }, 'mine');
    signaling.send(candidate);

    expect(heard).toEqual([{ early: true }, candidate]);
    expect(relay.sent).toEqual([{ stream, to: { host: '127.0.0.1', port: 5001 }, text: JSON.stringify({ setup: 'mine', message: candidate }) }]);
  });

  it('tags each channel made without a set-up id with a new one', () => {
    const relay = new FakeRelay();
    const entry = { host: '127.0.0.1', port: 5001 };
    const candidate = { t: 'candidate', candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 } as const;
    for (let i = 0; i < 2; i++) {
      const signaling = trackerSignaling(relay, 'a'.repeat(64), entry);
      signaling.send(candidate);
      signaling.close();
    }
    const setups = relay.sent.map((sent) => (JSON.parse(sent.text) as { setup: string }).setup);
    expect(setups).toEqual([expect.stringMatching(/^[0-9a-f]{16}$/), expect.stringMatching(/^[0-9a-f]{16}$/)]);
    expect(setups[0]).not.toBe(setups[1]);
  });
});

describe('answerWebRTC', () => {
  it('runs one set-up per offering entry and turns away offers beyond maxSetups with a warning naming the entry', () => {
    const relay = new FakeRelay();
    const warnings: Error[] = [];
    const accepted: unknown[] = [];
    const answerer = answerWebRTC({ tracker: relay, server: { accept: (transport) => accepted.push(transport) }, RTCPeerConnection, maxSetups: 2, onWarning: (error) => warnings.push(error) });
    onCleanup(() => answerer.close());

    relay.offerFrom(5001);
    relay.offerFrom(5001);
    expect(answerer.setups).toBe(1);
    relay.offerFrom(5002);
    relay.offerFrom(5003);
    expect(answerer.setups).toBe(2);
    expect(warnings).toMatchObject([{ code: 'WEBRTC_SETUP_FAILED', entry: '127.0.0.1:5003', message: expect.stringContaining('2 set-ups are in progress') }]);
    expect(accepted).toEqual([]);
  });

  it('refuses a maxSetups that is not a positive integer', () => {
    expect(() => answerWebRTC({ tracker: new FakeRelay(), server: { accept: () => undefined }, RTCPeerConnection, maxSetups: 0 })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    );
  });
});
