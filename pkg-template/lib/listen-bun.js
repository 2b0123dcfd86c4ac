// WebSocketServer.listen() on Bun: Bun.listen with hybi's handler object (lib/transport-bun.js).

import { bunHandlers } from "./transport-bun.js";

export async function listen({ hostname, port }, onTransport) {
  const listener = Bun.listen({ hostname, port, allowHalfOpen: true, socket: bunHandlers((t) => onTransport(t)) });
  return {
    hostname: listener.hostname,
    port: listener.port,
    close: () => listener.stop(false), // stop accepting; open connections are closed by the server
  };
}
