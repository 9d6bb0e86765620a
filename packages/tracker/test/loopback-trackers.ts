import { webSocketDial, type WebSocketConstructor } from '@p2pstream/connection';
import { afterEach } from 'vitest';
import { WebSocket } from 'ws';
import { startTracker, type RunningTracker, type StartTrackerOptions } from '../src/index.js';

/** Dials a tracker's WebSocket endpoint from Node, as a watch page does from a browser. */
export const overWebSocket = webSocketDial({ WebSocket: WebSocket as unknown as WebSocketConstructor });

/**
 * Trackers on loopback with a WebSocket endpoint, and the list of what to close:
 * everything in `opened` is closed, newest first, after each test of the file that calls this.
 */
export function loopbackTrackers(): { opened: Array<{ close(): unknown }>; start(options?: StartTrackerOptions): Promise<RunningTracker> } {
  const opened: Array<{ close(): unknown }> = [];
  afterEach(async () => {
    for (const item of opened.splice(0).reverse()) await item.close();
  });
  return {
    opened,
    async start(options = {}) {
      const running = await startTracker({ host: '127.0.0.1', port: 0, webSocket: { port: 0 }, ...options });
      opened.push(running);
      return running;
    },
  };
}
