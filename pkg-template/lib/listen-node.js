// WebSocketServer.listen() on Node: a net.Server whose sockets become transports (lib/transport-node.js).

import { net } from "./dial-node.js";
import { fromNodeSocket } from "./transport-node.js";

export function listen({ hostname, port, backlog }, onTransport) {
  return new Promise((resolve, reject) => {
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (sock) => onTransport(fromNodeSocket(sock)));
    server.once("error", reject);
    server.listen({ host: hostname, port, ...(backlog ? { backlog } : {}) }, () => {
      server.off("error", reject);
      server.on("error", () => {});
      const a = server.address();
      resolve({
        hostname: a.address,
        port: a.port,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}
