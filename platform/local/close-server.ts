// Stopping a local HTTP server at once: stop listening and cut every connection, idle or not.
// For the runtime's own loopback servers and tests; functions drain gracefully instead (serve.ts).
import type { Server } from 'node:http';

export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
