type Listener = (...args: never[]) => void;
type EventMap<Events> = { [K in keyof Events]: unknown[] };

/**
 * The few `EventEmitter` methods a `Transport` needs, without Node's events module, so the data
 * channel transport bundles for a browser as it is. Like Node's, an `error` nobody
 * listens for is thrown rather than lost.
 */
export class Emitter<Events extends EventMap<Events>> {
  readonly #listeners = new Map<keyof Events, Array<{ listener: Listener; once: boolean }>>();

  on<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): this {
    return this.#add(event, listener as unknown as Listener, false);
  }

  once<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): this {
    return this.#add(event, listener as unknown as Listener, true);
  }

  off<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): this {
    const list = this.#listeners.get(event);
    const index = list?.findIndex((entry) => entry.listener === (listener as unknown as Listener)) ?? -1;
    if (index >= 0) list!.splice(index, 1);
    return this;
  }

  listenerCount(event: keyof Events): number {
    return this.#listeners.get(event)?.length ?? 0;
  }

  protected emit<K extends keyof Events>(event: K, ...args: Events[K]): boolean {
    const list = this.#listeners.get(event);
    if (!list || list.length === 0) {
      if (event === 'error') throw args[0];
      return false;
    }
    for (const entry of [...list]) {
      if (entry.once) list.splice(list.indexOf(entry), 1);
      (entry.listener as unknown as (...args: Events[K]) => void)(...args);
    }
    return true;
  }

  #add(event: keyof Events, listener: Listener, once: boolean): this {
    const list = this.#listeners.get(event) ?? [];
    list.push({ listener, once });
    this.#listeners.set(event, list);
    return this;
  }
}
