import type { DataChannel } from './web-rtc-types.js';

/**
 * Messages that reach a channel after it opened and before a transport listens for them.
 * The other side may make its transport (and send on it) while this side is still
 * awaiting something after `open`; a data channel drops what nobody listens for.
 */
const held = new WeakMap<DataChannel, { messages: unknown[]; stop: () => void }>();

/** Keeps every message the channel receives from now on until `takeHeldMessages`. */
export function holdMessages(channel: DataChannel): void {
  if (held.has(channel)) return;
  const messages: unknown[] = [];
  const listener = (event: { data: unknown }): void => void messages.push(event.data);
  channel.addEventListener('message', listener);
  held.set(channel, { messages, stop: () => channel.removeEventListener('message', listener) });
}

/** What `holdMessages` kept, in order, and stops keeping them (empty for a channel nobody held). */
export function takeHeldMessages(channel: DataChannel): unknown[] {
  const entry = held.get(channel);
  if (!entry) return [];
  held.delete(channel);
  entry.stop();
  return entry.messages;
}
