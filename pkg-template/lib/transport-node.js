// A Node net.Socket / tls.TLSSocket (also Bun's node:net) as a hybi transport: { readable, writable, close } with
// backpressure both ways. No imports: used by the dialer and by the server side (accept, handleUpgrade) alike.
//
// `readable` and `writable` are not web streams but a small object with the reader/writer surface the handshake
// code uses (getReader()/getWriter(), read, write, close, cancel, abort, releaseLock, closed). Once the connection is
// open, the Session drives the socket directly through `transport.direct`: `listen(handlers)` switches reading to
// push mode (one handlers.data(chunk) per socket read), `pause()`/`resume()` stop and restart reading.

import { HybiError } from "./errors.js";

const READ_HIGH_WATER = 64 * 1024;
const noop = () => {};
const RESOLVED = Promise.resolve();

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

class NodeDuplex {
  constructor(sock) {
    this.sock = sock;
    // A socket that writes what it can at once and keeps no reference to the bytes (Bun's, lib/transport-bun.js)
    // lets the Session write a frame from wasm memory: `writeNow(bytes)` returns how many bytes it took.
    this.writeNow = typeof sock.writeNow === "function" ? (bytes) => sock.writeNow(bytes) : undefined;
    this.queue = []; // chunks read and not yet delivered
    this.queued = 0; // their bytes
    this.readDone = false; // end/close/error seen (or cancelled)
    this.ended = false; // end/close seen: deliver done after the queue
    this.error = null;
    this.waiter = null; // pull mode: { resolve, reject } of a pending read()
    this.handlers = null; // push mode: { data, end, error }
    this.held = false; // push mode: the consumer paused reading
    this.sockPaused = false;
    this.delivering = false;
    this.closed = RESOLVED;
    // A socket whose 'data' chunks are only lent for the call (lib/transport-deno.js, and Node's client sockets:
    // lib/dial-node.js) is copied when queued.
    this.borrowed = sock.chunksBorrowed === true;
    const onData = (d) => {
      if (this.readDone) return;
      const h = this.handlers;
      if (h !== null && !this.held && this.queue.length === 0 && !this.delivering) {
        h.data(d);
        return;
      }
      this.queue.push(this.borrowed ? d.slice() : d);
      this.queued += d.byteLength;
      if (h === null) this.wake();
      this.flow();
    };
    sock.on("data", onData);
    // Read before this listened (lib/dial-node.js keeps those, copied).
    if (sock.early) for (const d of sock.early.splice(0)) onData(d);
    const end = () => {
      if (this.readDone) return;
      this.readDone = true;
      this.ended = true;
      if (this.handlers !== null) this.deliver();
      else this.wake();
    };
    sock.on("end", end);
    sock.on("close", end);
    sock.on("error", (e) => {
      if (this.readDone) return;
      this.readDone = true;
      this.error = e;
      this.queue.length = 0;
      this.queued = 0;
      if (this.handlers !== null) this.deliver();
      else this.wake();
    });
    sock.resume();
  }

  /** Pauses or resumes the socket: pull mode by the bytes queued, push mode by the consumer. */
  flow() {
    const stop = this.handlers !== null ? this.held || this.queue.length > 0 : this.queued >= READ_HIGH_WATER;
    if (stop && !this.sockPaused) {
      this.sockPaused = true;
      this.sock.pause();
    } else if (!stop && this.sockPaused) {
      this.sockPaused = false;
      this.sock.resume();
    }
  }

  // ---------------------------------------------------------------- reader surface (pull mode)

  getReader() {
    return this;
  }

  wake() {
    const w = this.waiter;
    if (w === null) return;
    if (this.queue.length > 0) {
      this.waiter = null;
      w.resolve(this.shift());
    } else if (this.error !== null) {
      this.waiter = null;
      w.reject(this.error);
    } else if (this.ended) {
      this.waiter = null;
      w.resolve({ value: undefined, done: true });
    }
  }

  shift() {
    const value = this.queue.shift();
    this.queued -= value.byteLength;
    this.flow();
    return { value, done: false };
  }

  read() {
    if (this.queue.length > 0) return Promise.resolve(this.shift());
    if (this.error !== null) return Promise.reject(this.error);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    if (this.waiter !== null) return Promise.reject(new TypeError("a read is already pending"));
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  cancel() {
    if (!this.readDone) {
      this.readDone = true;
      this.ended = true;
      this.queue.length = 0;
      this.queued = 0;
      this.wake();
    }
    this.sock.destroy();
    return RESOLVED;
  }

  releaseLock() {}

  // ---------------------------------------------------------------- push mode (the Session, once open)

  /** Delivers what is queued, then every read as it comes: handlers { data(chunk), end(), error(e) }. */
  listen(handlers) {
    this.handlers = handlers;
    // A socket that sizes its reads (lib/transport-deno.js) asks how many bytes the frame being read owes.
    if ("owed" in this.sock) this.sock.owed = handlers.owed ?? null;
    // One that lends its chunks (lib/transport-deno.js) asks where to read a message it can land in place.
    if ("into" in this.sock) this.sock.into = handlers.into ?? null;
    const w = this.waiter;
    this.waiter = null;
    w?.resolve({ value: undefined, done: true });
    if (this.error !== null) {
      queueMicrotask(() => this.deliver());
      return;
    }
    this.deliver();
  }

  deliver() {
    if (this.delivering) return;
    this.delivering = true;
    try {
      while (!this.held && this.queue.length > 0 && this.error === null) {
        const d = this.queue.shift();
        this.queued -= d.byteLength;
        this.handlers.data(d);
      }
    } finally {
      this.delivering = false;
    }
    if (this.held) return this.flow();
    const h = this.handlers;
    if (this.error !== null) {
      if (h.done) return;
      h.done = true;
      h.error(this.error);
    } else if (this.queue.length === 0 && this.ended) {
      if (h.done) return;
      h.done = true;
      h.end();
    } else this.flow();
  }

  pause() {
    if (this.held) return;
    this.held = true;
    this.flow();
  }

  resume() {
    if (!this.held) return;
    this.held = false;
    this.deliver();
  }

  // ---------------------------------------------------------------- writer surface

  getWriter() {
    return this;
  }

  write(chunk) {
    return new Promise((resolve, reject) => this.send(chunk, (err) => (err ? reject(err) : resolve())));
  }

  /** write() without a promise (the Session, once attached): `done(err)` runs when the socket is done with it. */
  send(chunk, done) {
    const sock = this.sock;
    if (sock.destroyed || sock.writableEnded) {
      queueMicrotask(() => done(new HybiError("the socket is closed", { kind: "ConnectionLost" })));
      return;
    }
    sock.write(chunk, done);
  }

  close() {
    return new Promise((resolve) => {
      const sock = this.sock;
      if (sock.destroyed || sock.writableEnded) return resolve();
      sock.end(resolve);
    });
  }

  abort() {
    this.sock.destroy();
    return RESOLVED;
  }
}

/**
 * The start of a socket that is not Node's but is given the part of a Node socket's surface NodeDuplex drives
 * (lib/transport-bun.js, lib/transport-deno.js): listeners for 'data', 'end', 'close' and 'error', called by
 * `emit`, and the `destroyed` / `writableEnded` flags. A subclass adds pause(), resume(), write(chunk, cb),
 * end(cb), destroy() and setNoDelay(), then goes through fromNodeSocket.
 */
export class SocketShim {
  #on = { data: [], end: [], close: [], error: [] };
  destroyed = false;
  writableEnded = false;

  on(event, fn) {
    this.#on[event].push(fn);
    return this;
  }

  emit(event, arg) {
    for (const fn of this.#on[event]) fn(arg);
  }
}

/** A connected socket as a transport. `writable.close()` half-closes (FIN); `close()` destroys it. */
export function fromNodeSocket(sock) {
  sock.setNoDelay?.(true);
  const d = new NodeDuplex(sock);
  return {
    readable: d,
    writable: d,
    direct: d,
    close: () => sock.destroy(),
    socket: sock,
    remoteAddress: sock.remoteAddress ?? null,
    remotePort: sock.remotePort ?? null,
    secure: sock.encrypted === true,
  };
}
