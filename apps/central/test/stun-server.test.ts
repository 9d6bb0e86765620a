import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import wrtc from '@roamhq/wrtc';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '@p2pstream/units';
import { onCleanup } from '../../../tools/testing/cleanup.js';
import { startStunServer, type RunningStunServer } from '../src/stun-server.js';
import { bindingRequest, readMappedAddress } from './stun-messages.js';

async function server(ratePerIp = 20, clock?: ManualClock): Promise<RunningStunServer> {
  const running = await startStunServer({ host: '127.0.0.1', port: 0, ratePerIp, ...(clock ? { clock } : {}) });
  onCleanup(() => running.close());
  return running;
}

async function client(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  onCleanup(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  return socket;
}

/** Sends `packet` and returns the first reply, or undefined when none came within `ms`. */
function exchange(socket: Socket, packet: Buffer, port: number, ms = 2000): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.off('message', onMessage);
      resolve(undefined);
    }, ms);
    const onMessage = (reply: Buffer) => {
      clearTimeout(timer);
      resolve(reply);
    };
    socket.once('message', onMessage);
    socket.send(packet, port, '127.0.0.1');
  });
}

describe('startStunServer', () => {
  it('answers a Binding Request over UDP with the address and port it came from', async () => {
    const stun = await server();
    const socket = await client();
    const transactionId = randomBytes(12);
    const reply = await exchange(socket, bindingRequest(transactionId), stun.address.port);
    expect(reply?.subarray(8, 20)).toEqual(transactionId);
    expect(readMappedAddress(reply!)).toEqual({ address: '127.0.0.1', port: socket.address().port });
    expect(stun.counters.answered).toBe(1);
  });

  it('ignores garbage and keeps answering after it', async () => {
    const stun = await server();
    const socket = await client();
    expect(await exchange(socket, Buffer.from('not stun at all'), stun.address.port, 300)).toBeUndefined();
    expect(stun.counters.dropped.malformed).toBe(1);
    expect(readMappedAddress((await exchange(socket, bindingRequest(randomBytes(12)), stun.address.port))!)).toBeDefined();
  });

  it('answers one address at most its rate (after the burst), and again once the bucket refills', async () => {
    const clock = new ManualClock();
    const stun = await server(1, clock); // burst of 2
    const socket = await client();
    const answered = [];
    for (let i = 0; i < 3; i++) answered.push((await exchange(socket, bindingRequest(randomBytes(12)), stun.address.port, 300)) !== undefined);
    expect(answered).toEqual([true, true, false]);
    expect(stun.counters.rateLimited).toBe(1);
    clock.advance(1000);
    expect(await exchange(socket, bindingRequest(randomBytes(12)), stun.address.port)).toBeDefined();
  });

  it('says which port is taken when it cannot listen', async () => {
    const stun = await server();
    await expect(startStunServer({ host: '127.0.0.1', port: stun.address.port, ratePerIp: 1 })).rejects.toMatchObject({ code: 'ADDRESS_IN_USE', message: expect.stringContaining('--stun') });
  });

  it('gives a WebRTC peer connection a server-reflexive (srflx) candidate: the address central saw', async () => {
    const stun = await server();
    // WebRTC drops a srflx candidate equal to a host one, which is all loopback would give; a
    // one-socket port-rewriting "NAT" in front of central makes the mapped port differ.
    const nat = await portRewritingNat(stun.address.port);
    const peer = new wrtc.RTCPeerConnection({ iceServers: [{ urls: `stun:127.0.0.1:${nat.insidePort}` }] });
    onCleanup(() => peer.close());
    const candidates: string[] = [];
    const gathered = new Promise<void>((resolve) => {
      peer.onicecandidate = ({ candidate }: { candidate: { candidate: string } | null }) => (candidate ? candidates.push(candidate.candidate) : resolve());
    });
    peer.createDataChannel('probe');
    await peer.setLocalDescription(await peer.createOffer());
    await gathered;
    const reflexive = candidates.filter((line) => / typ srflx /.test(line));
    expect(reflexive.some((line) => line.includes(` 127.0.0.1 ${nat.outsidePort} typ srflx `))).toBe(true);
    expect(stun.counters.answered).toBeGreaterThan(0);
  }, 20_000);
});

/** Forwards datagrams to central's STUN port from one socket of its own, and the replies back by transaction id. */
async function portRewritingNat(stunPort: number): Promise<{ insidePort: number; outsidePort: number }> {
  const inside = await client();
  const outside = await client();
  const senders = new Map<string, { address: string; port: number }>();
  inside.on('message', (packet, from) => {
    if (packet.length < 20) return;
    senders.set(packet.subarray(8, 20).toString('hex'), { address: from.address, port: from.port });
    outside.send(packet, stunPort, '127.0.0.1');
  });
  outside.on('message', (reply) => {
    const sender = senders.get(reply.subarray(8, 20).toString('hex'));
    if (sender) inside.send(reply, sender.port, sender.address);
  });
  return { insidePort: inside.address().port, outsidePort: outside.address().port };
}
