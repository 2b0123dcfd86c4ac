// Internal symbols, not exported from the package's entries.

/** `new WebSocket(kServer, { transport, conn, leftover, protocol, extensions, url, opts })` and the same for
 *  WebSocketStream: an already-open server-side socket over an accepted transport (lib/server.js). */
export const kServer = Symbol("hybi.server");

/** `socket[kTerminate]()`: end the connection now, without a closing handshake (a server's forced shutdown). */
export const kTerminate = Symbol("hybi.terminate");
