// WebSocketServer.listen() on Deno: Deno.listen, each Deno.Conn a transport (lib/transport-deno.js).

import { fromDenoConn } from "./transport-deno.js";

export async function listen({ hostname, port }, onTransport) {
  const listener = Deno.listen({ hostname, port, transport: "tcp" });
  (async () => {
    try {
      for await (const conn of listener) onTransport(fromDenoConn(conn));
    } catch {
      // the listener was closed
    }
  })();
  return {
    hostname: listener.addr.hostname,
    port: listener.addr.port,
    close() {
      try {
        listener.close();
      } catch {}
    },
  };
}
