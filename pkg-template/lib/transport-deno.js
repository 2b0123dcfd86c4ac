// A Deno.Conn (TCP or TLS) as a hybi transport. `writable.close()` half-closes with conn.closeWrite() (closing
// Deno's own writable would close the whole socket). Used by the dialer and by the server side.

import { prefixStream } from "./proxy.js";

/** Whether `c` looks like a Deno.Conn. */
export function isDenoConn(c) {
  return (
    c !== null &&
    typeof c === "object" &&
    typeof c.closeWrite === "function" &&
    typeof c.readable?.getReader === "function" &&
    typeof c.writable?.getWriter === "function"
  );
}

export function fromDenoConn(conn, prefix) {
  try {
    conn.setNoDelay?.(true);
  } catch {}
  const inner = conn.writable.getWriter();
  const writable = new WritableStream({
    write: (chunk) => inner.write(chunk),
    async close() {
      await inner.ready;
      inner.releaseLock();
      try {
        await conn.closeWrite();
      } catch {
        // already closed
      }
    },
    abort: (reason) => inner.abort(reason),
  });
  const addr = conn.remoteAddr ?? {};
  return {
    readable: prefix ? prefixStream(conn.readable, prefix) : conn.readable,
    writable,
    close() {
      try {
        conn.close();
      } catch {
        // the readable's EOF already closed the resource
      }
    },
    remoteAddress: addr.hostname ?? null,
    remotePort: addr.port ?? null,
    secure: typeof conn.handshake === "function",
  };
}
