// Bun sockets (Bun.connect / Bun.listen) as hybi transports. Bun's sockets are not streams: the handler object of
// the listener (or of Bun.connect) gets every event, so each socket's transport lives in `socket.data` and the
// handlers forward to it. Reading pauses when the readable's queue is full; `socket.write` may take only part of
// the bytes, and the rest waits for `drain`.

import { HybiError } from "./errors.js";

const READ_HIGH_WATER = 64 * 1024;

/** One socket's transport: `transport` is the `{ readable, writable, close }`; the handler methods feed it. */
export class BunConn {
  #rc = null;
  #sock = null;
  #drainWaiter = null;
  #readDone = false;
  #closed = false;

  constructor() {
    const self = this;
    const readable = new ReadableStream(
      {
        start(c) {
          self.#rc = c;
        },
        pull() {
          self.#sock?.resume?.();
        },
        cancel() {
          self.#readDone = true;
          self.#sock?.end();
        },
      },
      { highWaterMark: READ_HIGH_WATER, size: (c) => c.byteLength },
    );
    const writable = new WritableStream({
      async write(chunk) {
        const sock = self.#sock;
        const bytes = chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        let off = 0;
        while (off < bytes.byteLength) {
          if (self.#closed) throw new HybiError("the socket is closed", { kind: "ConnectionLost" });
          const n = sock.write(off === 0 ? bytes : bytes.subarray(off));
          if (n < 0) throw new HybiError("the socket is closed", { kind: "ConnectionLost" });
          off += n;
          if (off < bytes.byteLength) await new Promise((r) => (self.#drainWaiter = r));
        }
      },
      close() {
        self.#sock?.shutdown(); // FIN; reading goes on
      },
      abort() {
        const s = self.#sock;
        if (s) (s.terminate ?? s.end).call(s);
      },
    });
    this.transport = {
      readable,
      writable,
      close: () => {
        const s = this.#sock;
        if (s) (s.terminate ?? s.end).call(s);
      },
      remoteAddress: null,
      remotePort: null,
      secure: false,
    };
  }

  /** The socket is connected (or accepted). */
  attach(sock, secure = false) {
    this.#sock = sock;
    this.transport.remoteAddress = sock.remoteAddress ?? null;
    this.transport.remotePort = sock.remotePort ?? null;
    this.transport.secure = secure;
  }

  data(sock, d) {
    if (this.#readDone) return;
    this.#rc.enqueue(new Uint8Array(d)); // a copy: the chunk may wait in the queue
    if (this.#rc.desiredSize <= 0) sock.pause?.();
  }

  drain() {
    const r = this.#drainWaiter;
    this.#drainWaiter = null;
    r?.();
  }

  end() {
    this.#endRead();
  }

  close(err) {
    this.#closed = true;
    this.#endRead(err);
    this.drain();
  }

  error(e) {
    this.#endRead(e);
  }

  #endRead(err) {
    if (this.#readDone) return;
    this.#readDone = true;
    try {
      err ? this.#rc.error(err) : this.#rc.close();
    } catch {}
  }
}

/**
 * The `socket` handler object for `Bun.listen`: every accepted socket becomes a transport handed to
 * `onTransport(transport, socket)`, e.g. `Bun.listen({ hostname, port, socket: bunHandlers((c) => accept(c)) })`.
 * The handlers keep their state in `socket.data`.
 */
export function bunHandlers(onTransport) {
  if (typeof onTransport !== "function") throw new TypeError("bunHandlers(onTransport): onTransport must be a function");
  return {
    open(s) {
      const c = new BunConn();
      c.attach(s);
      s.data = c;
      onTransport(c.transport, s);
    },
    data: (s, d) => s.data?.data?.(s, d),
    drain: (s) => s.data?.drain?.(),
    end: (s) => s.data?.end?.(),
    close: (s, err) => s.data?.close?.(err),
    error: (s, e) => s.data?.error?.(e),
  };
}
