import { MemoryRegistry, type MemoryRegistryOptions } from './memory-registry.js';
import { RedisRegistry, type RedisRegistryOptions } from './redis-registry.js';
import type { Registry } from './registry.js';

/** The registry of one process: everything is lost when it stops, except the name bindings when given a `stateFile`. */
export function memoryRegistry(options: MemoryRegistryOptions = {}): Registry {
  return new MemoryRegistry(options);
}

/**
 * A registry in the Redis at `url` (`redis://[user:password@]host:port/db`), shared
 * by every tracker pointed at it. Rejects with `REGISTRY_UNAVAILABLE` (saying how to
 * start Redis) when it cannot be reached; once connected it reconnects by itself.
 */
export function redisRegistry(url: string, options: Omit<RedisRegistryOptions, 'url'> = {}): Promise<Registry> {
  return RedisRegistry.connect({ ...options, url });
}
