// Internal symbols, not exported from the package's entries.

/** `new WebSocket(kServer, { transport, conn, leftover, protocol, extensions, url, options })`: an already-open
 *  server-side WebSocket over an accepted socket (for the server `accept` API). */
export const kServer = Symbol("hybi.server");
