// Bun sockets: Bun.connect, with the readable paused when its queue is full and partial writes buffered until
// `drain`. Connections through a proxy use node:net/node:tls (Bun implements both), see dial-node.js.

import { HybiError } from "./errors.js";
import { dialNode } from "./dial-node.js";

const READ_HIGH_WATER = 64 * 1024;

function caList(ca) {
  if (ca === undefined || ca === null) return undefined;
  return Array.isArray(ca) ? ca : [ca];
}

export function dial({ hostname, port, tls, tlsOptions, proxy, signal }) {
  if (proxy) return dialNode({ hostname, port, tls, tlsOptions, proxy, signal });
  return new Promise((resolve, reject) => {
    let rc;
    let sock = null;
    let drainWaiter = null;
    let readDone = false;
    let settled = false;
    const fail = (e) => {
      if (settled) return;
      settled = true;
      reject(e);
    };
    const readable = new ReadableStream(
      {
        start(c) {
          rc = c;
        },
        pull() {
          sock?.resume?.();
        },
        cancel() {
          readDone = true;
          sock?.end();
        },
      },
      { highWaterMark: READ_HIGH_WATER, size: (c) => c.byteLength },
    );
    const writable = new WritableStream({
      async write(chunk) {
        let off = 0;
        const bytes = chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        while (off < bytes.byteLength) {
          const n = sock.write(off === 0 ? bytes : bytes.subarray(off));
          if (n < 0) throw new HybiError("the socket is closed", { kind: "ConnectionLost" });
          off += n;
          if (off < bytes.byteLength) await new Promise((r) => (drainWaiter = r));
        }
      },
      close() {
        sock.shutdown(); // FIN; reading goes on
      },
      abort() {
        (sock.terminate ?? sock.end).call(sock);
      },
    });
    const endRead = (err) => {
      if (readDone) return;
      readDone = true;
      try {
        err ? rc.error(err) : rc.close();
      } catch {}
    };
    const ready = (s) => {
      if (settled) return;
      settled = true;
      sock = s;
      if (signal?.aborted) {
        s.end();
        reject(signal.reason);
        return;
      }
      resolve({ readable, writable, close: () => (s.terminate ?? s.end).call(s) });
    };
    const handlers = {
      data(s, d) {
        if (readDone) return;
        rc.enqueue(new Uint8Array(d)); // a copy: the chunk may wait in the queue
        if (rc.desiredSize <= 0) s.pause?.();
      },
      drain() {
        const r = drainWaiter;
        drainWaiter = null;
        r?.();
      },
      end() {
        endRead();
      },
      close(s, err) {
        endRead(err);
        const r = drainWaiter;
        drainWaiter = null;
        r?.();
        fail(err ?? new HybiError(`the connection to ${hostname}:${port} closed`, { kind: "ConnectFailed" }));
      },
      error(s, e) {
        endRead(e);
        fail(e);
      },
      connectError(s, e) {
        fail(e);
      },
    };
    const tlsOpt = tlsOptions ?? {};
    if (tls) {
      handlers.open = () => {};
      handlers.handshake = (s, ok, authError) => {
        if (authError && tlsOpt.rejectUnauthorized !== false) {
          s.end();
          const err = new Error(`TLS: ${authError.message ?? authError.code ?? authError}`, { cause: authError });
          err.code = authError.code;
          fail(err);
          return;
        }
        ready(s);
      };
    } else {
      handlers.open = ready;
    }
    const { ca, servername, ...rest } = tlsOpt;
    Bun.connect({
      hostname,
      port,
      allowHalfOpen: true,
      tls: tls ? { ...rest, ca: caList(ca), serverName: servername ?? hostname, rejectUnauthorized: false } : undefined,
      socket: handlers,
    }).catch(fail);
  });
}
