import { ConnectFailedError, ConnectionRefusedError, RemoteError } from '@p2pstream/connection';
import { CentralUnreachableError, NameTakenError, RegistryUnavailableError } from '@p2pstream/tracker-client';
import { describe, expect, it } from 'vitest';
import { userMessage } from '../src/user-errors.js';

describe('userMessage for a central that cannot be reached', () => {
  it('says the address it tried, why, and how to start central on that port', () => {
    const refused = new CentralUnreachableError([{ central: '127.0.0.1:2999', error: new ConnectionRefusedError('127.0.0.1', 2999) }]);
    expect(userMessage(refused)).toBe(
      'cannot reach central at 127.0.0.1:2999 (refused the connection) — is it running there? Start it with: npx nx run central:serve -- --port 2999',
    );
  });

  it('needs no --port for the default one, and names each central tried once', () => {
    const timedOut = new ConnectFailedError('127.0.0.9', 2045, new Error('connect ETIMEDOUT 127.0.0.9:2045'));
    const error = new CentralUnreachableError([
      { central: '127.0.0.1:2045', error: new ConnectionRefusedError('127.0.0.1', 2045) },
      { central: '127.0.0.9:2045', error: timedOut },
      { central: '127.0.0.1:2045', error: new ConnectionRefusedError('127.0.0.1', 2045) },
    ]);
    expect(userMessage(error)).toBe(
      'cannot reach central at 127.0.0.1:2045 (refused the connection), 127.0.0.9:2045 (connect ETIMEDOUT 127.0.0.9:2045) — is it running there? Start it with: npx nx run central:serve',
    );
  });
});

describe('userMessage for a central whose registry is down', () => {
  it('says central runs but cannot reach its registry, with no hint to start central', () => {
    const error = new RegistryUnavailableError([
      { central: '127.0.0.1:2045', error: new RemoteError('REGISTRY_UNAVAILABLE', 'central cannot reach its Redis registry') },
    ]);
    expect(userMessage(error)).toBe('central at 127.0.0.1:2045 is running but cannot reach its registry (Redis); try again when it is back');
  });
});

describe('userMessage for a name another key holds', () => {
  it('names the name when it is known, and never leaves a gap where it would be', () => {
    const taken = new NameTakenError('the name cam1 belongs to another publisher key; choose another name');
    expect(userMessage(taken, { name: 'cam1' })).toBe(
      'the name cam1 is taken by another key: pick another name, or publish with the key that owns it (--key FILE)',
    );
    expect(userMessage(taken)).toBe('this name is taken by another key: pick another name, or publish with the key that owns it (--key FILE)');
  });
});
