/**
 * Entries (ports) each address holds per stream, so that one address cannot
 * fill a stream's look-ups with entries of its own (64 connections from one
 * host each announcing a dead port). Each entry is counted until it expires or
 * leaves; an address at its cap may renew what it holds, not add to it.
 */
export class AddressEntries {
  readonly #max: number;
  /** "stream host" → port → expiresAt */
  readonly #entries = new Map<string, Map<number, number>>();

  constructor(maxPerAddress: number) {
    this.#max = maxPerAddress;
  }

  /** Records or renews the entry; false (nothing recorded) when the address holds its cap of other live entries. */
  admit(stream: string, host: string, port: number, now: number, expiresAt: number): boolean {
    const key = `${stream} ${host}`;
    let ports = this.#entries.get(key);
    if (!ports) this.#entries.set(key, (ports = new Map()));
    for (const [held, until] of ports) if (until <= now) ports.delete(held);
    if (!ports.has(port) && ports.size >= this.#max) return false;
    ports.set(port, expiresAt);
    return true;
  }

  leave(stream: string, host: string, port: number): void {
    const key = `${stream} ${host}`;
    const ports = this.#entries.get(key);
    ports?.delete(port);
    if (ports?.size === 0) this.#entries.delete(key);
  }

  /** Forgets expired entries. */
  prune(now: number): void {
    for (const [key, ports] of this.#entries) {
      for (const [port, until] of ports) if (until <= now) ports.delete(port);
      if (ports.size === 0) this.#entries.delete(key);
    }
  }
}
