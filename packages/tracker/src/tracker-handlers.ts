import type { Connection, Handlers } from '@p2pstream/connection';
import type { AnyRequest } from '@p2pstream/connection';
import { TrackerError } from './errors.js';
import type { SignalRouter } from './signal-router.js';
import { TrackerSession, type Tracker } from './tracker.js';
import type { ViewerReports } from './viewer-reports.js';

/**
 * The connection handlers that put a Tracker on the wire. Each connection gets
 * a session keyed by the address seen on its socket. A TrackerError becomes an
 * `error` reply — followed by closing that connection when the input was one
 * an honest peer never sends. Any other error is a bug: the connection answers
 * INTERNAL_ERROR and reports it through its `error` event. With `signals`,
 * announced entries become reachable by `signal` from their stream's other entries; with
 * `reports`, viewers' QoE `report`s are kept for the connection that sent them.
 */
export function trackerHandlers(tracker: Tracker, signals?: SignalRouter, reports?: ViewerReports): Handlers {
  const sessions = new WeakMap<Connection, TrackerSession>();
  const sessionOf = (connection: Connection): TrackerSession => {
    let session = sessions.get(connection);
    if (!session) sessions.set(connection, (session = new TrackerSession(connection.remoteAddress, connection.localAddress)));
    return session;
  };
  const refuse = (connection: Connection, request: AnyRequest, error: unknown): void => {
    if (!(error instanceof TrackerError)) throw error;
    connection.replyError(request, error.code, error.message);
    if (error.closesConnection) void connection.close();
  };
  return {
    publish: async (message, connection) => {
      try {
        connection.reply(message, await tracker.publish(sessionOf(connection), message));
      } catch (error) {
        refuse(connection, message, error);
      }
    },
    announce: async (message, connection) => {
      try {
        const session = sessionOf(connection);
        const previousPort = session.announced.get(message.stream);
        connection.reply(message, await tracker.announce(session, message));
        signals?.announced(session, message, connection, previousPort);
      } catch (error) {
        refuse(connection, message, error);
      }
    },
    lookup: async (message, connection) => {
      try {
        connection.reply(message, await tracker.lookup(sessionOf(connection), message));
      } catch (error) {
        refuse(connection, message, error);
      }
    },
    list: async (message, connection) => {
      try {
        connection.reply(message, await tracker.list());
      } catch (error) {
        refuse(connection, message, error);
      }
    },
    leave: async (message, connection) => {
      try {
        const session = sessionOf(connection);
        const port = session.announced.get(message.stream);
        connection.reply(message, await tracker.leave(session, message));
        if (port !== undefined) signals?.left(session, message.stream, port, connection);
        reports?.left(connection, message.stream);
      } catch (error) {
        refuse(connection, message, error);
      }
    },
    ...(signals && {
      signal: async (message, connection) => {
        try {
          await signals.route(sessionOf(connection), message, connection);
          connection.reply(message, { t: 'ok' });
        } catch (error) {
          refuse(connection, message, error);
        }
      },
    }),
    ...(reports && {
      report: (message, connection) => {
        try {
          reports.take(sessionOf(connection), message, connection);
          connection.reply(message, { t: 'ok' });
        } catch (error) {
          refuse(connection, message, error);
        }
      },
    }),
  };
}
