import { randomUUID } from 'node:crypto';
import { DEFAULT_CROSS_CENTRAL_REPLY_TIMEOUT_MS } from './constants.js';

/**
 * Publish/subscribe between the centrals sharing a registry: Redis's sharded pub/sub
 * (`SPUBLISH`/`SSUBSCRIBE`, so a channel lives on its hash tag's master in a cluster).
 * Delivery is at most once and only to centrals subscribed at that moment.
 */
export interface SignalPubSub {
  publish(channel: string, payload: string): Promise<unknown>;
  subscribe(channel: string, listener: (payload: string) => void): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
}

/** What became of a signal handed to the central holding its target entry. */
export type RemoteDelivery = 'relayed' | 'not-accepted' | 'gone';

/** A signal on its way to another central: to the entry `toHost:toPort` of `stream`, from the entry `fromHost:fromPort`. */
export interface RemoteSignal {
  stream: string;
  toHost: string;
  toPort: number;
  fromHost: string;
  fromPort: number;
  data: Uint8Array;
}

/** This central's side: hands a signal to an entry announced here, or says it holds no such entry. */
export type LocalDelivery = (signal: RemoteSignal) => Exclude<RemoteDelivery, 'gone'> | undefined;

export interface CrossCentralSignalsOptions {
  /**
   * How long to wait for the central holding the target entry to say it handed the
   * signal on; with no answer by then the entry is taken as gone.
   * @default 2_000
   */
  replyTimeoutMs?: number;
}

/** On a stream's channel: a signal, and where its sender's central wants the answer. */
interface SignalEnvelope {
  id: number;
  replyTo: string;
  toHost: string;
  toPort: number;
  fromHost: string;
  fromPort: number;
  data: string;
}

interface ReplyEnvelope {
  id: number;
  delivery: RemoteDelivery;
}

/**
 * Relays signals between entries announced to different centrals on one registry. Each
 * central listens on the channel of every stream it holds entries of (`{<stream id>}:signals`)
 * and on a reply channel of its own; a signal for an entry not held here is published on
 * the stream's channel, and the central holding the entry hands it on and answers. No
 * answer within `replyTimeoutMs` means no central holds the entry.
 */
export class CrossCentralSignals {
  readonly #pubSub: SignalPubSub;
  readonly #replyTimeoutMs: number;
  readonly #replyChannel: string;
  #deliver: LocalDelivery = () => undefined;
  #nextId = 1;
  readonly #pending = new Map<number, (delivery: RemoteDelivery) => void>();
  /** Channels whose subscription failed (Redis away): tried again before the next relay or listen. */
  readonly #unsubscribed = new Map<string, (payload: string) => void>();

  constructor(pubSub: SignalPubSub, options: CrossCentralSignalsOptions = {}) {
    this.#pubSub = pubSub;
    this.#replyTimeoutMs = options.replyTimeoutMs ?? DEFAULT_CROSS_CENTRAL_REPLY_TIMEOUT_MS;
    if (!(this.#replyTimeoutMs > 0)) throw new RangeError(`the cross-central reply timeout is a positive number of ms, not ${this.#replyTimeoutMs}`);
    // Hash-tagged as its own slot: in a cluster it lives on one master like a stream's channel.
    this.#replyChannel = `{central:${randomUUID()}}:signal-replies`;
  }

  /** Starts listening for answers; `deliver` hands on signals for entries held here. */
  start(deliver: LocalDelivery): void {
    this.#deliver = deliver;
    this.#subscribe(this.#replyChannel, (payload) => this.#onReply(payload));
  }

  /** This central holds entries of `stream` now: listen on its channel. */
  listen(stream: string): void {
    this.#retryFailedSubscriptions();
    this.#subscribe(channelOf(stream), (payload) => this.#onSignal(stream, payload));
  }

  /** This central holds no entry of `stream` any more. */
  stopListening(stream: string): void {
    if (this.#unsubscribed.delete(channelOf(stream))) return;
    void this.#pubSub.unsubscribe(channelOf(stream)).catch(() => undefined);
  }

  /** Hands the signal to whichever central holds its target entry; 'gone' when none answers in time. */
  async relay(signal: RemoteSignal): Promise<RemoteDelivery> {
    this.#retryFailedSubscriptions();
    const id = this.#nextId++;
    const envelope: SignalEnvelope = {
      id,
      replyTo: this.#replyChannel,
      toHost: signal.toHost,
      toPort: signal.toPort,
      fromHost: signal.fromHost,
      fromPort: signal.fromPort,
      data: Buffer.from(signal.data).toString('base64'),
    };
    const answered = new Promise<RemoteDelivery>((resolve) => {
      const timer = setTimeout(() => settle('gone'), this.#replyTimeoutMs);
      const settle = (delivery: RemoteDelivery) => {
        clearTimeout(timer);
        this.#pending.delete(id);
        resolve(delivery);
      };
      this.#pending.set(id, settle);
    });
    try {
      await this.#pubSub.publish(channelOf(signal.stream), JSON.stringify(envelope));
    } catch (error) {
      this.#pending.get(id)?.('gone');
      throw error;
    }
    return answered;
  }

  /** Answers every signal still waiting as gone (the subscriptions close with the registry's connection). */
  close(): void {
    for (const settle of [...this.#pending.values()]) settle('gone');
  }

  /** Subscribes; a failure (Redis away) is remembered and tried again later. Once made, node-redis renews it after reconnects. */
  #subscribe(channel: string, listener: (payload: string) => void): void {
    this.#unsubscribed.delete(channel);
    this.#pubSub.subscribe(channel, listener).catch(() => this.#unsubscribed.set(channel, listener));
  }

  #retryFailedSubscriptions(): void {
    for (const [channel, listener] of [...this.#unsubscribed]) this.#subscribe(channel, listener);
  }

  #onSignal(stream: string, payload: string): void {
    const envelope = parse<SignalEnvelope>(payload);
    if (!isSignalEnvelope(envelope)) return;
    const delivery = this.#deliver({
      stream,
      toHost: envelope.toHost,
      toPort: envelope.toPort,
      fromHost: envelope.fromHost,
      fromPort: envelope.fromPort,
      data: Buffer.from(envelope.data, 'base64'),
    });
    // Centrals that do not hold the entry stay silent; the one that does answers.
    if (delivery === undefined) return;
    const reply: ReplyEnvelope = { id: envelope.id, delivery };
    void this.#pubSub.publish(envelope.replyTo, JSON.stringify(reply)).catch(() => undefined);
  }

  #onReply(payload: string): void {
    const reply = parse<ReplyEnvelope>(payload);
    if (reply && typeof reply.id === 'number' && DELIVERIES.includes(reply.delivery!)) this.#pending.get(reply.id)?.(reply.delivery!);
  }
}

/** A stream's signal channel, under the stream's hash tag like its registry keys. */
function channelOf(stream: string): string {
  return `{${stream}}:signals`;
}

const DELIVERIES: readonly RemoteDelivery[] = ['relayed', 'not-accepted', 'gone'];

/** Centrals trust each other (they share the registry), but a message of another version is dropped, not half-read. */
function isSignalEnvelope(envelope: Partial<SignalEnvelope> | undefined): envelope is SignalEnvelope {
  return (
    envelope !== undefined &&
    typeof envelope.id === 'number' &&
    typeof envelope.replyTo === 'string' &&
    typeof envelope.toHost === 'string' &&
    typeof envelope.toPort === 'number' &&
    typeof envelope.fromHost === 'string' &&
    typeof envelope.fromPort === 'number' &&
    typeof envelope.data === 'string'
  );
}

function parse<T>(payload: string): Partial<T> | undefined {
  try {
    const value: unknown = JSON.parse(payload);
    return typeof value === 'object' && value !== null ? (value as Partial<T>) : undefined;
  } catch {
    return undefined;
  }
}
