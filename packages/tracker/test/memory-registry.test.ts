import { MemoryRegistry } from '../src/memory-registry.js';
import { describeRegistryContract } from './registry-conformance.js';

describeRegistryContract('memory', async () => new MemoryRegistry());
