// A Deno.Conn (TCP or TLS) as a hybi transport. DenoSocket gives the connection the small part of a Node
// socket's surface that lib/transport-node.js drives (on('data'|'end'|'close'|'error'), pause, resume,
// write(chunk, cb), end(cb), destroy), through Deno.Conn's own read() and write() rather than its web streams:
// a stream read and a stream write each cost several promises and, for reads, a fresh 64 KiB buffer. So Deno
// connections get the transport Node's get: the Session reads them directly and recycles output buffers once a
// write is done (Deno.Conn.write holds no reference to the bytes once its promise settles).
// - Reads go into one buffer per connection, lent to the 'data' listeners for the duration of the call
//   (`chunksBorrowed`: transport-node copies a chunk it has to queue). While the Session reads a frame that owes
//   more than the small buffer (`handlers.owed()`), a larger one from a pool shared by all connections is used;
//   while it collects a large binary message, the read goes straight into the message (`handlers.into()`,
//   lib/output.js readRoom), which the Session then finds in place.
// - `end()` half-closes with conn.closeWrite() (closing the whole resource would stop reading too).

import { fromNodeSocket, SocketShim } from "./transport-node.js";

const SMALL = 16 * 1024;
const LARGE = 256 * 1024;
const noop = () => {};
/** An error no caller can take, reported as an uncaught one (Deno has `reportError`). */
const report = (e) =>
  globalThis.reportError
    ? globalThis.reportError(e)
    : queueMicrotask(() => {
        throw e;
      });
// Large read buffers are shared by all connections: one is held only while a read of a large frame is pending,
// and given back once its bytes have been handed over (a fresh 256 KiB buffer per read costs its page faults).
const largeFree = [];
const giveBack = (buf) => {
  if (largeFree.length < 4) largeFree.push(buf);
};

/** Whether `c` looks like a Deno.Conn. */
export function isDenoConn(c) {
  return (
    c !== null &&
    typeof c === "object" &&
    typeof c.closeWrite === "function" &&
    typeof c.read === "function" &&
    typeof c.write === "function" &&
    typeof c.readable?.getReader === "function"
  );
}

class DenoSocket extends SocketShim {
  #conn;
  #prefix;
  #paused = true;
  #reading = false;
  #done = false; // EOF, error or destroyed: no more reads
  #small = null;
  #writes = Promise.resolve(); // writes in order, one at a time: settles when the last one issued is done
  chunksBorrowed = true;
  /** Set by the Session (transport-node's listen): bytes the frame being read still owes. */
  owed = null;
  /** Set by the Session: where to read the rest of a large binary message straight into it, or null. */
  into = null;

  constructor(conn, prefix) {
    super();
    this.#conn = conn;
    this.#prefix = prefix && prefix.byteLength > 0 ? prefix : null;
    const addr = conn.remoteAddr ?? {};
    this.remoteAddress = addr.hostname ?? null;
    this.remotePort = addr.port ?? null;
    this.encrypted = typeof conn.handshake === "function";
  }

  setNoDelay(on) {
    try {
      this.#conn.setNoDelay?.(on);
    } catch {}
  }

  pause() {
    this.#paused = true;
  }

  resume() {
    this.#paused = false;
    if (!this.#reading && !this.#done) this.#pump();
  }

  async #pump() {
    this.#reading = true;
    try {
      if (this.#prefix !== null) {
        const p = this.#prefix;
        this.#prefix = null;
        this.emit("data", p);
      }
      while (!this.#paused && !this.#done) {
        const room = this.into?.() ?? null; // the message itself: no copy out of a read buffer
        const large = room === null && (this.owed?.() ?? 0) > SMALL;
        const buf =
          room ?? (large ? (largeFree.pop() ?? new Uint8Array(LARGE)) : (this.#small ??= new Uint8Array(SMALL)));
        let n;
        try {
          n = await this.#conn.read(buf);
        } catch (e) {
          if (large) giveBack(buf);
          if (this.#done) return;
          this.#done = true;
          this.emit("error", e);
          this.emit("close");
          return;
        }
        if (this.#done || n === null) {
          if (large) giveBack(buf);
          if (this.#done) return;
          this.#done = true;
          this.emit("end");
          this.emit("close");
          return;
        }
        try {
          this.emit("data", buf.subarray(0, n));
        } finally {
          if (large) giveBack(buf); // lent for the call only (chunksBorrowed)
        }
      }
    } finally {
      this.#reading = false;
    }
  }

  write(chunk, cb = noop) {
    const bytes = chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    // In order, one at a time, each after the one before it has settled: even with none pending, a write starts
    // a microtask later, once the read loop has asked for its next read (started at once, the 100-connection
    // 16 B echo ran 10% slower in A/B runs, while one connection with 32 in flight ran 25% faster).
    this.#writes = this.#writes.then(() => this.#write(bytes, cb));
    return true;
  }

  /**
   * One conn.write, which mostly takes every byte, then the rest of a partial one (fewer promises than an async
   * function per write: 16 B echo +5–11% in A/B runs). Settles after `cb` and never rejects, so that a callback
   * that throws (reported on its own) cannot stop the writes queued after it.
   */
  #write(bytes, cb) {
    let p;
    try {
      if (this.destroyed) throw new Error("the socket is closed");
      p = this.#conn.write(bytes).then((n) => (n < bytes.byteLength ? this.#writeAll(bytes.subarray(n)) : undefined));
    } catch (e) {
      p = Promise.reject(e);
    }
    const settle = (e) => {
      try {
        cb(e);
      } catch (err) {
        report(err);
      }
    };
    return p.then(() => settle(), settle);
  }

  async #writeAll(bytes) {
    for (let off = 0; off < bytes.byteLength; ) {
      if (this.destroyed) throw new Error("the socket is closed");
      off += await this.#conn.write(off === 0 ? bytes : bytes.subarray(off));
    }
  }

  end(cb = noop) {
    this.writableEnded = true;
    this.#writes = this.#writes
      .then(() => this.#conn.closeWrite())
      .catch(noop) // already closed
      .then(() => cb());
  }

  destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    this.#done = true;
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
  }
}

/** A Deno.Conn as a transport; `prefix`: bytes read already (a proxy's leftover), delivered first. */
export function fromDenoConn(conn, prefix) {
  return fromNodeSocket(new DenoSocket(conn, prefix));
}
