/**
 * `npm run bench:webrtc` — throughput over a WebRTC data channel on loopback (@roamhq/wrtc)
 * against a raw TCP socket on loopback moving the same bytes in the same run:
 *   tcp          64 KiB buffers written to a plain `net` socket (write / 'drain'), counted on arrival
 *   channel      the same buffers through `dataChannelTransport` (write / 'drain'), counted on arrival
 *   connection   64 KiB `chunk` messages of a `Connection` over that transport (send() / drained()),
 *                decoded and validated on arrival: what a peer serving chunks over WebRTC gets
 *
 * Both ends run in this process (WebRTC's network and SCTP threads are native ones). Rounds
 * alternate the modes; each mode's MB/s is the median over the rounds, and the ratios are
 * against TCP. Options: --mib N (per run, default 64), --rounds N (default 3), --window-kib N (the
 * transports' receiveWindow, default theirs: 1024), --help.
 */
import { once } from 'node:events';
import { createServer, connect as connectTcp, type AddressInfo, type Socket } from 'node:net';
import { parseInteger } from '@p2pstream/units';
import wrtc from '@roamhq/wrtc';
import { connect, ConnectionServer } from '@p2pstream/connection';
import { createSignalingPair, dataChannelTransport, openDataChannel, type DataChannelTransport, type PeerConnectionClass } from '@p2pstream/webrtc';
import type { ChunkMessage } from '@p2pstream/wire';
import { parseBenchArgs } from './command-line.js';

type Mode = 'tcp' | 'channel' | 'connection';
const MODES: Mode[] = ['tcp', 'channel', 'connection'];

const USAGE = `Usage: npm run bench:webrtc -- [options]

Throughput over a WebRTC data channel on loopback (@roamhq/wrtc, both ends in this process)
against a raw TCP socket moving the same bytes: tcp, channel (dataChannelTransport) and
connection (Connection chunk messages over it), rounds alternating; prints MB/s medians and
the ratios to TCP.

  --mib N                MiB per run (default 64)
  --rounds N             rounds of each mode (default 3)
  --window-kib N         the transports' receive window in KiB (default theirs: 1024)
  -h, --help             show this help
`;

const CHUNK = 64 * 1024;
const { mib, totalBytes, rounds, windowBytes } = parseBenchArgs(
  USAGE,
  { mib: { type: 'string', default: '64' }, rounds: { type: 'string', default: '3' }, 'window-kib': { type: 'string' } },
  (values) => {
    const mib = parseInteger('--mib', values.mib, 1, 1024 * 1024);
    return {
      mib,
      totalBytes: mib * 1024 * 1024,
      rounds: parseInteger('--rounds', values.rounds, 1, 1000),
      /** The transports' receive window; their default when not given. */
      windowBytes: values['window-kib'] === undefined ? undefined : parseInteger('--window-kib', values['window-kib'], 1, 1024 * 1024) * 1024,
    };
  },
);
const RTCPeerConnection = wrtc.RTCPeerConnection as unknown as PeerConnectionClass;
const SIG = Buffer.alloc(64, 9);
const payload = Buffer.alloc(CHUNK, 7);

/** Seconds from the first write to the last byte's arrival. */
async function tcpRun(): Promise<number> {
  let receiver: Socket | undefined;
  const server = createServer((socket) => (receiver = socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const sender = connectTcp((server.address() as AddressInfo).port, '127.0.0.1');
  await once(sender, 'connect');
  while (!receiver) await new Promise((resolve) => setImmediate(resolve));
  const seconds = await timeTransfer(sender, receiver);
  sender.destroy();
  receiver.destroy();
  server.close();
  return seconds;
}

async function channelPair(): Promise<{ ends: [DataChannelTransport, DataChannelTransport]; close: () => void }> {
  const [one, two] = createSignalingPair();
  const opened = await Promise.all([
    openDataChannel({ RTCPeerConnection, signaling: one, initiator: true }),
    openDataChannel({ RTCPeerConnection, signaling: two, initiator: false }),
  ]);
  const ends = opened.map(({ channel, peerConnection }) => dataChannelTransport(channel, { peerConnection, receiveWindow: windowBytes })) as [DataChannelTransport, DataChannelTransport];
  return {
    ends,
    close: () => {
      for (const end of ends) end.destroy();
    },
  };
}

async function channelRun(): Promise<number> {
  const { ends, close } = await channelPair();
  const seconds = await timeTransfer(ends[0], ends[1]);
  close();
  return seconds;
}

/** The write / 'drain' loop shared by TCP and the data channel. */
async function timeTransfer(
  sender: { write(bytes: Uint8Array): boolean; once(event: 'drain', listener: () => void): unknown },
  receiver: { on(event: 'data', listener: (data: Buffer) => void): unknown },
): Promise<number> {
  let received = 0;
  const done = new Promise<void>((resolve) =>
    receiver.on('data', (data) => {
      received += data.length;
      if (received >= totalBytes) resolve();
    }),
  );
  const start = process.hrtime.bigint();
  for (let sent = 0; sent < totalBytes; sent += CHUNK) {
    if (!sender.write(payload)) await new Promise<void>((resolve) => sender.once('drain', resolve));
  }
  await done;
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function connectionRun(): Promise<number> {
  const { ends, close } = await channelPair();
  const server = new ConnectionServer({ role: 'peer' });
  const accepted = server.accept(ends[1])!;
  const sender = await connect(ends[0], { role: 'peer' });
  await accepted.opened;
  const count = totalBytes / CHUNK;
  let received = 0;
  const done = new Promise<void>((resolve) =>
    accepted.on('message', (message) => {
      if (message.t === 'chunk' && ++received === count) resolve();
    }),
  );
  const start = process.hrtime.bigint();
  for (let seq = 0; seq < count; seq++) {
    const chunk: ChunkMessage = { t: 'chunk', re: seq + 1, seq, ts: 0, sig: SIG, data: payload };
    if (!sender.send(chunk)) await sender.drained();
  }
  await done;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await sender.close();
  await server.close();
  close();
  return seconds;
}

const RUNS: Record<Mode, () => Promise<number>> = { tcp: tcpRun, channel: channelRun, connection: connectionRun };
const rates: Record<Mode, number[]> = { tcp: [], channel: [], connection: [] };
for (let round = 0; round < rounds; round++) {
  for (const mode of MODES) {
    rates[mode].push(totalBytes / 1e6 / (await RUNS[mode]()));
  }
}

const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
const tcp = median(rates.tcp);
console.log(`${mib} MiB per run, ${rounds} rounds, both ends in one process, loopback`);
for (const mode of MODES) {
  const rate = median(rates[mode]);
  const runs = rates[mode].map((value) => value.toFixed(0)).join(', ');
  console.log(`${mode.padEnd(11)} ${rate.toFixed(1).padStart(8)} MB/s  (${(rate / tcp).toFixed(3)} of tcp; runs: ${runs})`);
}
