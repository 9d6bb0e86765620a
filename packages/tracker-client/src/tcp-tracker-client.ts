import { dial } from '@p2pstream/connection';
import { TrackerClient as AnyTransportTrackerClient, type TrackerClientOptions } from './tracker-client.js';

/**
 * The tracker client of Node programs: `host:port` centrals are dialed over TCP unless
 * `dial` says otherwise. The same class as the `./browser` entry's, which has no TCP and
 * so takes only `ws://` centrals; kept apart so that a page's bundle never reaches node:net.
 */
export class TrackerClient extends AnyTransportTrackerClient {
  constructor(options: TrackerClientOptions) {
    super({ ...options, dial: options.dial ?? dial });
  }
}
