// A Node net.Socket / tls.TLSSocket (also Bun's node:net) as a hybi transport: { readable, writable, close } with
// backpressure both ways. No imports: used by the dialer and by the server side (accept, handleUpgrade) alike.

import { HybiError } from "./errors.js";

const READ_HIGH_WATER = 64 * 1024;

/** Whether `s` looks like a Node stream socket (net.Socket, tls.TLSSocket). */
export function isNodeSocket(s) {
  return (
    s !== null &&
    typeof s === "object" &&
    typeof s.on === "function" &&
    typeof s.write === "function" &&
    typeof s.destroy === "function" &&
    typeof s.pause === "function"
  );
}

/** A connected socket as web streams. `writable.close()` half-closes (FIN); `close()` destroys it. */
export function fromNodeSocket(sock) {
  sock.setNoDelay?.(true);
  let readDone = false;
  const readable = new ReadableStream(
    {
      start(c) {
        sock.on("data", (d) => {
          if (readDone) return;
          c.enqueue(d);
          if (c.desiredSize <= 0) sock.pause();
        });
        const end = () => {
          if (readDone) return;
          readDone = true;
          try {
            c.close();
          } catch {}
        };
        sock.on("end", end);
        sock.on("close", end);
        sock.on("error", (e) => {
          if (readDone) return;
          readDone = true;
          try {
            c.error(e);
          } catch {}
        });
      },
      pull() {
        sock.resume();
      },
      cancel() {
        readDone = true;
        sock.destroy();
      },
    },
    { highWaterMark: READ_HIGH_WATER, size: (chunk) => chunk.byteLength },
  );
  const writable = new WritableStream({
    write(chunk) {
      return new Promise((resolve, reject) => {
        if (sock.destroyed || sock.writableEnded) {
          reject(new HybiError("the socket is closed", { kind: "ConnectionLost" }));
          return;
        }
        sock.write(chunk, (err) => (err ? reject(err) : resolve()));
      });
    },
    close() {
      return new Promise((resolve) => {
        if (sock.destroyed || sock.writableEnded) return resolve();
        sock.end(resolve);
      });
    },
    abort() {
      sock.destroy();
    },
  });
  return {
    readable,
    writable,
    close: () => sock.destroy(),
    socket: sock,
    remoteAddress: sock.remoteAddress ?? null,
    remotePort: sock.remotePort ?? null,
    secure: sock.encrypted === true,
  };
}
