// Bun sockets (Bun.connect / Bun.listen) as hybi transports. Bun's sockets are not streams: the handler object of
// the listener (or of Bun.connect) gets every event. BunSocket turns those events back into the small part of a
// Node socket's surface that lib/transport-node.js drives (on('data'|'end'|'close'|'error'), pause, resume,
// write(chunk, cb), end(cb), destroy), so Bun connections get the same transport as Node's: the Session reads
// them directly (one receive per `data` event, no stream or promise in between) and recycles output buffers once
// a write is done. Two things differ from Node:
// - `socket.write` may take only part of the bytes and keeps none of the rest: the rest waits for `drain`. Once
//   every byte of a write is taken, Bun holds no reference to it (the write callback runs then).
// - each `data` event carries a buffer of its own, which Bun does not reuse: a chunk may wait in a queue as is.

import { HybiError } from "./errors.js";
import { fromNodeSocket, SocketShim } from "./transport-node.js";

const noop = () => {};

/** A Bun socket (set by attach) with the Node socket surface lib/transport-node.js uses. */
class BunSocket extends SocketShim {
  #sock = null;
  #pending = []; // writes not yet fully taken by the socket: { bytes, cb }, in order
  #endCb = null; // end(cb) called while writes were pending
  encrypted = false;

  attach(sock, secure) {
    this.#sock = sock;
    this.encrypted = secure;
  }

  get remoteAddress() {
    return this.#sock?.remoteAddress ?? null;
  }

  get remotePort() {
    return this.#sock?.remotePort ?? null;
  }

  setNoDelay(on) {
    this.#sock?.setNoDelay?.(on);
  }

  pause() {
    this.#sock?.pause();
  }

  resume() {
    this.#sock?.resume();
  }

  write(chunk, cb = noop) {
    const bytes = chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.#pending.length > 0) {
      this.#pending.push({ bytes, cb });
      return false;
    }
    const n = this.#sock.write(bytes);
    if (n < 0) {
      queueMicrotask(() => cb(new HybiError("the socket is closed", { kind: "ConnectionLost" })));
      return false;
    }
    if (n === bytes.byteLength) {
      queueMicrotask(cb); // as Node does: the callback never runs inside write()
      return true;
    }
    this.#pending.push({ bytes: bytes.subarray(n), cb });
    return false;
  }

  /**
   * Writes what the socket takes of `bytes` at once and returns how many bytes that was (0 while earlier writes
   * wait for `drain`, or once the socket is closed); keeps no reference to them. The caller writes the rest.
   */
  writeNow(bytes) {
    if (this.#pending.length > 0) return 0;
    return Math.max(0, this.#sock.write(bytes));
  }

  end(cb = noop) {
    if (this.writableEnded) return queueMicrotask(cb);
    this.writableEnded = true;
    if (this.#pending.length > 0) this.#endCb = cb;
    else this.#shutdown(cb);
  }

  #shutdown(cb) {
    this.#sock?.shutdown(); // FIN; reading goes on
    queueMicrotask(cb);
  }

  destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    const s = this.#sock;
    if (s) (s.terminate ?? s.end).call(s);
  }

  // ---------------------------------------------------------------- Bun's handler events

  data(d) {
    this.emit("data", d);
  }

  drain() {
    const q = this.#pending;
    while (q.length > 0) {
      const w = q[0];
      const n = this.#sock.write(w.bytes);
      if (n < 0) return this.#failWrites();
      if (n < w.bytes.byteLength) {
        w.bytes = w.bytes.subarray(n);
        return;
      }
      q.shift();
      w.cb();
    }
    const endCb = this.#endCb;
    this.#endCb = null;
    if (endCb) this.#shutdown(endCb);
  }

  #failWrites() {
    const q = this.#pending.splice(0);
    for (const w of q) w.cb(new HybiError("the socket is closed", { kind: "ConnectionLost" }));
    const endCb = this.#endCb;
    this.#endCb = null;
    endCb?.();
  }

  end_() {
    this.emit("end");
  }

  close(err) {
    this.destroyed = true;
    this.#failWrites();
    if (err) this.emit("error", err);
    this.emit("close");
  }

  error(e) {
    this.emit("error", e);
  }
}

/** One socket's transport: `transport` is the `{ readable, writable, close }` once attached; the handler methods feed it. */
export class BunConn {
  #s = new BunSocket();
  transport = null;

  /** The socket is connected (or accepted). */
  attach(sock, secure = false) {
    this.#s.attach(sock, secure);
    this.transport = fromNodeSocket(this.#s);
  }

  data(sock, d) {
    this.#s.data(d);
  }

  drain() {
    this.#s.drain();
  }

  end() {
    this.#s.end_();
  }

  close(err) {
    this.#s.close(err);
  }

  error(e) {
    this.#s.error(e);
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
