// The connection driver shared by WebSocket and WebSocketStream: opens the transport, runs the opening handshake,
// then moves bytes between the socket and the wasm core. One wasm call per socket read (conn.receive), and the
// output is taken and written after every receive and every send (held back while a write is in flight). A Node
// socket (lib/transport-node.js) is driven directly: socket 'data' → receive, socket.write, pause()/resume().
//
// The owner (a WebSocket or a WebSocketStream) gets:
//   onOpen({ protocol, extensions, response })   once, when the handshake succeeded
//   onMessage(data)                              string or Uint8Array (an owned copy)
//   onClosing()                                  the closing handshake started (by the peer)
//   onClose({ code, reason, wasClean, error })   once, at the very end
//   wantsMore()                                  false pauses reading the socket (backpressure)

import { deflateOffer, WasmClientHandshake, WasmConnection } from "../hybi.js";
import { HybiError, lazyHeaders, utf8 } from "./errors.js";
import { COLLECT_MIN, collecting, readRoom, receive, receiver, release, sendBinary, sendText, takeOutput } from "./output.js";
import { platform } from "./platform.js";

const TEXT = 1;
const BINARY = 2;
const PING = 3;
const PONG = 4;
const CLOSE = 5;

export const CONNECTING = 0;
export const OPEN = 1;
export const CLOSING = 2;
export const CLOSED = 3;

const DEFAULT_HANDSHAKE_TIMEOUT = 30_000;
const DEFAULT_SERVER_HANDSHAKE_TIMEOUT = 10_000;
const DEFAULT_CLOSE_TIMEOUT = 5_000;
const DEFAULT_SERVER_HIGH_WATER_MARK = 1024 * 1024;
const MAX_REJECTION_BODY = 1024;
const BATCH_LIMIT = 64 * 1024; // output held back while a write is in flight, at most
const DIRECT_PAYLOAD = 4 * 1024; // a server's binary payload this large is written without passing through wasm
// A frame that still owes at least BYOB_MIN bytes is read with a BYOB reader into a buffer of up to BYOB_MAX
// bytes, waiting for what the frame owes (see readSome).
const BYOB_MIN = 16 * 1024;
const BYOB_MAX = 256 * 1024;
const byobFree = []; // BYOB read buffers, shared by all connections (one is held only while a read is pending)
/** Gives a BYOB buffer whose bytes nothing holds any more back to the pool (at most 4 kept). */
const unlend = (buf) => {
  if (byobFree.length < 4) byobFree.push(buf);
};

const noop = () => {};

function concat(a, b) {
  if (a.byteLength === 0) return b;
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}

function sameBytes(a, b) {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Parses `ws:`/`wss:` (or `http:`/`https:`) URLs per WHATWG: a SyntaxError DOMException for anything else. */
export function parseWebSocketURL(url, base) {
  let u;
  try {
    u = base === undefined ? new URL(String(url)) : new URL(String(url), base);
  } catch {
    throw new DOMException(`invalid URL: ${url}`, "SyntaxError");
  }
  if (u.protocol === "http:") u.protocol = "ws:";
  else if (u.protocol === "https:") u.protocol = "wss:";
  if (u.protocol !== "ws:" && u.protocol !== "wss:") {
    throw new DOMException(`the URL's scheme must be ws:, wss:, http: or https: (got ${u.protocol})`, "SyntaxError");
  }
  if (u.href.includes("#")) throw new DOMException("a WebSocket URL cannot have a fragment (#…)", "SyntaxError");
  return u;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** WHATWG protocol checks: tokens, no duplicates (case-insensitively) → SyntaxError. */
export function parseProtocols(protocols) {
  if (protocols === undefined || protocols === null) return [];
  const list = typeof protocols === "string" ? [protocols] : Array.from(protocols, String);
  const seen = new Set();
  for (const p of list) {
    if (!TOKEN.test(p)) throw new DOMException(`invalid subprotocol ${JSON.stringify(p)}`, "SyntaxError");
    const k = p.toLowerCase();
    if (seen.has(k)) throw new DOMException(`subprotocol ${JSON.stringify(p)} is given twice`, "SyntaxError");
    seen.add(k);
  }
  return list;
}

export function headerPairs(headers) {
  if (headers === undefined || headers === null) return [];
  if (typeof headers[Symbol.iterator] === "function") return Array.from(headers, ([n, v]) => [String(n), String(v)]);
  return Object.entries(headers).map(([n, v]) => [n, String(v)]);
}

export function nonNegative(name, v, dflt) {
  if (v === undefined || v === null) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new TypeError(`options.${name} must be a non-negative number (got ${v})`);
  return Math.floor(n);
}

const DEFLATE_KEYS = {
  level: [0, 9],
  threshold: [0, Number.MAX_SAFE_INTEGER],
  serverMaxWindowBits: [8, 15],
  clientMaxWindowBits: [8, 15],
  serverNoContextTakeover: null,
  clientNoContextTakeover: null,
};

/**
 * `perMessageDeflate`: `true` (the defaults), `false`, or `{ level, threshold, serverNoContextTakeover,
 * clientNoContextTakeover, serverMaxWindowBits, clientMaxWindowBits }`. Returns null (off) or the options object
 * the wasm bindings read.
 */
export function deflateOptions(v, dflt) {
  if (v === undefined || v === null) v = dflt;
  if (v === false) return null;
  if (v === true) return {};
  if (typeof v !== "object") throw new TypeError("options.perMessageDeflate must be true, false or an object");
  const out = {};
  for (const [k, val] of Object.entries(v)) {
    if (!(k in DEFLATE_KEYS)) throw new TypeError(`options.perMessageDeflate.${k} is not a permessage-deflate option`);
    if (val === undefined) continue;
    const range = DEFLATE_KEYS[k];
    if (range === null) {
      if (typeof val !== "boolean") throw new TypeError(`options.perMessageDeflate.${k} must be a boolean`);
      out[k] = val;
    } else if (k === "clientMaxWindowBits" && (val === null || val === false)) {
      out[k] = null; // do not offer client_max_window_bits
    } else if (k === "clientMaxWindowBits" && val === true) {
      out[k] = 15;
    } else {
      const n = Number(val);
      if (!Number.isInteger(n) || n < range[0] || n > range[1]) {
        throw new RangeError(`options.perMessageDeflate.${k} must be an integer from ${range[0]} to ${range[1]} (got ${val})`);
      }
      out[k] = n;
    }
  }
  return out;
}

/** Validates and normalizes the options shared by WebSocket and WebSocketStream (and the server side). */
export function normalizeOptions(options = {}, { server = false } = {}) {
  const o = options ?? {};
  if (o.proxy !== undefined && o.proxy !== null && o.socket !== undefined && o.socket !== null) {
    throw new TypeError("options.proxy and options.socket cannot be used together");
  }
  let proxy = null;
  if (o.proxy) {
    const p = typeof o.proxy === "object" && !(o.proxy instanceof URL) ? o.proxy : { url: o.proxy };
    let pu;
    try {
      pu = new URL(String(p.url));
    } catch {
      throw new TypeError(`options.proxy: invalid URL ${p.url}`);
    }
    if (pu.protocol !== "http:") throw new TypeError("options.proxy must be an http:// URL (reached with CONNECT)");
    const headers = headerPairs(p.headers);
    if (pu.username || pu.password) {
      const cred = `${decodeURIComponent(pu.username)}:${decodeURIComponent(pu.password)}`;
      headers.push(["Proxy-Authorization", `Basic ${btoa(cred)}`]);
    }
    proxy = { hostname: pu.hostname.replace(/^\[|\]$/g, ""), port: Number(pu.port || 80), headers };
  }
  return {
    headers: headerPairs(o.headers),
    origin: o.origin === undefined || o.origin === null ? undefined : String(o.origin),
    maxMessageSize: nonNegative("maxMessageSize", o.maxMessageSize, 0),
    maxFrameSize: nonNegative("maxFrameSize", o.maxFrameSize, 0),
    fragmentSize: nonNegative("fragmentSize", o.fragmentSize, 0),
    handshakeTimeout: nonNegative(
      "handshakeTimeout",
      o.handshakeTimeout,
      server ? DEFAULT_SERVER_HANDSHAKE_TIMEOUT : DEFAULT_HANDSHAKE_TIMEOUT,
    ),
    closeTimeout: nonNegative("closeTimeout", o.closeTimeout, DEFAULT_CLOSE_TIMEOUT),
    pingInterval: nonNegative("pingInterval", o.pingInterval, 0),
    pingTimeout: nonNegative("pingTimeout", o.pingTimeout, 0),
    highWaterMark: nonNegative("highWaterMark", o.highWaterMark, server ? DEFAULT_SERVER_HIGH_WATER_MARK : 0),
    // On by default for clients (as browsers and `ws`), off for servers (as `ws`: it costs memory per connection).
    deflate: deflateOptions(o.perMessageDeflate, !server),
    signal: o.signal ?? undefined,
    tls: o.tls ?? undefined,
    proxy,
    socket: o.socket ?? undefined,
  };
}

/** A transport from a user-supplied `{ readable, writable, close? }`. */
function asTransport(s) {
  if (!s || typeof s.readable?.getReader !== "function" || typeof s.writable?.getWriter !== "function") {
    throw new TypeError("options.socket must be (or return) an object with a ReadableStream `readable` and a WritableStream `writable`");
  }
  return s;
}

export class Session {
  constructor(owner, opts) {
    this.owner = owner;
    this.opts = opts;
    this.state = CONNECTING;
    this.server = false;
    this.conn = null;
    this.transport = null;
    // What a send passes as `take` to lib/output.js when no write is in flight: the socket's writeNow where it has
    // one (Bun's: the frame is written from wasm memory, not copied out first), else true.
    this.take = true;
    this.reader = null;
    this.writer = null;
    this.unwritten = 0; // bytes handed to the socket's writable and not yet accepted by it
    this.inFlight = false; // a write to the socket is pending
    this.held = false; // output was left in the core while a write was in flight
    this.issued = 0; // writes started
    this.completed = 0; // writes done or failed (in order)
    this.waiters = []; // { target, resolve, reject }: whenWritten() promises, settled once `target` writes are done
    this.events = [];
    this.rx = null; // receive()'s state for this connection (lib/output.js receiver), made at the first read
    const events = this.events;
    this.sink = {
      text: (t) => events.push(TEXT, t, undefined),
      binary: (b) => events.push(BINARY, b, undefined),
      ping: (b) => events.push(PING, b, undefined),
      pong: (b) => events.push(PONG, b, undefined),
      close: (code, reason) => events.push(CLOSE, code, reason),
    };
    this.pings = []; // { payload, resolve, reject, t0 }
    this.pingCounter = 0;
    this.keepalive = null;
    this.keepalivePending = null;
    this.peerClose = null; // { code, reason }
    this.failure = null; // the HybiError that failed the connection
    this.finished = false;
    this.closeTimer = null;
    this.paused = false;
    this.resumeWaiter = null;
    this.abortConnect = null; // while connecting: (err) => void
    this.readDone = false;
    this.byob = undefined; // true while a BYOB reader is in use; false once the readable proved not a byte stream
    this.byobLent = null; // the buffer of the last BYOB read, given back to the pool once its bytes are taken
    this.byobHeld = []; // BYOB buffers holding parts of the message being collected, given back once it is whole
  }

  // ------------------------------------------------------------------ opening (client)

  /** Builds the request now (throwing on bad input), then connects in the background. */
  startClient(url, protocols) {
    const o = this.opts;
    const tls = url.protocol === "wss:";
    const host = url.hostname;
    let hs;
    try {
      hs = new WasmClientHandshake(
        host,
        url.port ? Number(url.port) : 0,
        tls,
        (url.pathname || "/") + url.search,
        o.origin,
        protocols,
        o.deflate ? deflateOffer(o.deflate) : undefined,
        o.headers,
        0,
        0,
      );
    } catch (e) {
      const err = HybiError.from(e);
      if (err.kind === "InvalidRequestHeader") {
        throw new TypeError(
          `options.headers: ${err.message}: Sec-WebSocket-*, Upgrade, Connection and Host are set by the handshake, ` +
            "and names must be HTTP tokens and values single-line",
          { cause: err },
        );
      }
      throw new TypeError(`cannot build the opening handshake: ${err.message}`, { cause: err });
    }
    const target = {
      hostname: host.replace(/^\[|\]$/g, ""),
      port: url.port ? Number(url.port) : tls ? 443 : 80,
      tls,
    };
    this.connect(hs, target);
  }

  async connect(hs, target) {
    const o = this.opts;
    let abortReject;
    const aborted = new Promise((_, reject) => (abortReject = reject));
    aborted.catch(noop);
    const dialAbort = new AbortController();
    let settled = false;
    this.abortConnect = (err) => {
      if (settled) return;
      settled = true;
      dialAbort.abort(err);
      abortReject(err);
    };
    const race = (p) => Promise.race([p, aborted]);
    const timer =
      o.handshakeTimeout > 0
        ? setTimeout(
            () =>
              this.abortConnect(
                new HybiError(`the opening handshake did not complete within ${o.handshakeTimeout} ms`, {
                  kind: "HandshakeTimeout",
                }),
              ),
            o.handshakeTimeout,
          )
        : null;
    const onSignal = () => {
      const r = o.signal.reason;
      this.abortConnect(
        new HybiError(`the connection was aborted${r && r.message ? `: ${r.message}` : ""}`, { kind: "Aborted", cause: r }),
      );
    };
    if (o.signal) {
      if (o.signal.aborted) onSignal();
      else o.signal.addEventListener("abort", onSignal, { once: true });
    }
    try {
      const opening = this.openTransport(target, dialAbort.signal);
      opening.then(
        (t) => {
          if (settled && this.transport !== t) closeTransport(t, true);
        },
        noop,
      );
      const transport = await race(opening);
      this.attach(transport);
      this.write(hs.request);
      let buf = new Uint8Array(0);
      let info;
      for (;;) {
        const { value, done } = await race(this.reader.read());
        if (done) {
          throw new HybiError("the server closed the connection during the opening handshake", {
            kind: "ConnectionClosed",
          });
        }
        buf = concat(buf, value);
        try {
          info = hs.parse(buf);
        } catch (e) {
          throw await race(this.rejection(hs, buf, e));
        }
        if (info !== undefined) break;
      }
      settled = true;
      if (timer) clearTimeout(timer);
      o.signal?.removeEventListener("abort", onSignal);
      this.abortConnect = null;
      const leftover = buf.subarray(info.headLength);
      const conn = new WasmConnection(false, o.maxFrameSize, o.maxMessageSize, 0, true, o.fragmentSize);
      if (info.extensions) {
        // The core let the answer through only because we offered permessage-deflate: is it one we can honour?
        try {
          conn.enableClientDeflate(info.extensions, o.deflate);
        } catch (e) {
          conn.free();
          const err = HybiError.from(e, "UnexpectedExtension");
          err.message = `the opening handshake failed: ${err.message}`;
          throw err;
        }
      }
      this.conn = conn;
      this.state = OPEN;
      this.owner.onOpen({
        protocol: info.protocol,
        extensions: info.extensions,
        response: lazyHeaders({ status: info.status }, info.headers),
      });
      this.startKeepalive();
      if (leftover.byteLength > 0 && !this.finished) this.onData(leftover.slice());
      this.readLoop();
    } catch (e) {
      settled = true;
      if (timer) clearTimeout(timer);
      o.signal?.removeEventListener("abort", onSignal);
      this.abortConnect = null;
      const err =
        e instanceof HybiError
          ? e
          : HybiError.from(e, this.transport ? "HandshakeFailed" : "ConnectFailed");
      if (!(e instanceof HybiError) && !err.message.startsWith("could not")) {
        err.message = `${this.transport ? "the opening handshake failed" : `could not connect to ${target.hostname}:${target.port}`}: ${err.message}`;
      }
      this.finish({ code: 1006, reason: "", wasClean: false, error: err }, true);
    }
  }

  /** A non-101 answer: read a little more so the error carries the body the server sent. */
  async rejection(hs, buf, e) {
    let err = HybiError.from(e);
    if (err.kind !== "Rejected") return err;
    const declared = Number(err.headers?.get("content-length"));
    const want = Math.min(Number.isFinite(declared) && declared >= 0 ? declared : MAX_REJECTION_BODY, MAX_REJECTION_BODY);
    const deadline = Date.now() + 1000;
    while ((err.body?.byteLength ?? 0) < want && Date.now() < deadline) {
      let t;
      const more = await Promise.race([
        this.reader.read(),
        new Promise((r) => (t = setTimeout(() => r({ done: true, timeout: true }), deadline - Date.now()))),
      ]);
      clearTimeout(t);
      if (more.done) break;
      buf = concat(buf, more.value);
      try {
        hs.parse(buf);
      } catch (e2) {
        err = HybiError.from(e2);
      }
    }
    return err;
  }

  async openTransport(target, signal) {
    const o = this.opts;
    if (o.socket !== undefined) {
      const s = typeof o.socket === "function" ? await o.socket({ ...target, signal, tlsOptions: o.tls }) : o.socket;
      return asTransport(s);
    }
    if (typeof platform.dial !== "function") {
      throw new HybiError(
        `this runtime (${platform.name}) has no raw sockets: pass options.socket ({ readable, writable }, or a function returning one)`,
        { kind: "NoSockets" },
      );
    }
    return platform.dial({ ...target, tlsOptions: o.tls, proxy: o.proxy, signal });
  }

  attach(transport) {
    this.transport = transport;
    this.take = transport.direct?.writeNow ?? true;
    this.reader = transport.readable.getReader();
    this.writer = transport.writable.getWriter();
    this.writer.closed.catch(noop);
    this.reader.closed.catch(noop);
  }

  // ------------------------------------------------------------------ opening (server, for the accept issue)

  /**
   * An already-open connection: a server-side socket built from an accepted transport (lib/server.js).
   * `info` ({ protocol, extensions, request }) goes to the owner's onOpen.
   */
  startOpen(transport, conn, leftover, server, info) {
    this.server = server;
    this.conn = conn;
    this.state = OPEN;
    this.attach(transport);
    this.owner.onOpen?.(info ?? { protocol: "", extensions: "" });
    this.startKeepalive();
    // A macrotask later, not a microtask: code that got this socket from `await accept(…)` attaches its handlers
    // in microtasks, and must see the first messages (the bytes that came with the request included).
    setTimeout(() => {
      if (this.finished) return;
      if (leftover && leftover.byteLength > 0) this.onData(leftover);
      this.readLoop();
    }, 0);
  }

  // ------------------------------------------------------------------ reading

  async readLoop() {
    if (this.transport.direct) return this.directLoop(this.transport.direct);
    try {
      for (;;) {
        while (!this.failure && (!this.owner.wantsMore() || this.backlogged())) {
          this.paused = true;
          await new Promise((r) => (this.resumeWaiter = r));
          this.paused = false;
          if (this.finished) return;
        }
        const { value, done } = await this.readSome();
        if (this.finished) return;
        if (done) return this.onEof();
        if (this.failure) continue; // after a failure, only wait for the peer to close
        this.onData(value);
        if (this.byobLent !== null) {
          // onData copied the bytes into wasm, unless it keeps them in a message it collects: then the buffer is
          // the message's until it is whole (copied out then). So after every read, each buffer held, this read's
          // last, stays held while a message being collected has bytes in it, and otherwise serves another read (a
          // read that ends inside the next message holds its own buffer and frees those of the message it
          // completed; a 1 MiB message holds three 256 KiB ones, otherwise allocated and zero-filled again).
          const held = this.byobHeld;
          held.push(this.byobLent);
          this.byobLent = null;
          let kept = 0;
          for (const b of held) {
            if (collecting(this.rx, b)) held[kept++] = b;
            else unlend(b);
          }
          held.length = kept;
        }
      }
    } catch (e) {
      if (!this.finished) this.onTransportError(e);
    }
  }

  /**
   * One read of a stream transport. While the core reads a frame that still owes BYOB_MIN bytes or more, the
   * read goes through a BYOB reader into a buffer of ours with `min` set to what the frame owes: the peer must
   * send those bytes, so waiting for them cannot wait forever, and the reads are fewer and larger (workerd hands
   * a default reader 4 KiB at a time: about 260 MB/s on a core). Otherwise, and on streams that are not byte
   * streams, a default read. The buffers come from a small pool shared by all connections.
   */
  readSome() {
    const owed = this.byob !== false && this.conn ? this.conn.bytesOwed : 0;
    const readable = this.transport.readable;
    if (owed < BYOB_MIN) {
      if (this.byob === true) {
        this.byob = undefined;
        this.swapReader(readable.getReader.bind(readable));
      }
      return this.reader.read();
    }
    if (this.byob !== true) {
      if (!this.swapReader(() => readable.getReader({ mode: "byob" }))) {
        this.byob = false; // not a byte stream
        this.swapReader(readable.getReader.bind(readable));
        return this.reader.read();
      }
      this.byob = true;
    }
    const buf = byobFree.pop() ?? new ArrayBuffer(BYOB_MAX);
    return this.reader.read(new Uint8Array(buf), { min: Math.min(owed, BYOB_MAX) }).then((r) => {
      this.byobLent = r.value ? r.value.buffer : null; // the read transferred the buffer: a new one, same bytes
      return r;
    });
  }

  /** Releases the current reader and takes the one `get` gives; false (and no reader) if `get` throws. */
  swapReader(get) {
    this.reader.releaseLock();
    try {
      this.reader = get();
    } catch {
      return false;
    }
    this.reader.closed.catch(noop);
    return true;
  }

  /**
   * readLoop for a transport that can be driven directly (a Node socket, lib/transport-node.js): one onData per
   * socket read, no stream or promise in between; reading stops (the socket is paused) exactly when readLoop would
   * stop reading, and starts again a microtask after resume(), as readLoop would.
   */
  directLoop(d) {
    this.checkPaused(d);
    d.listen({
      done: false,
      owed: () => (this.conn ? this.conn.bytesOwed : 0),
      into: () => readRoom(this.rx),
      data: (chunk) => {
        if (this.finished) return;
        try {
          if (!this.failure) this.onData(chunk); // after a failure, only wait for the peer to close
        } catch (e) {
          if (!this.finished) this.onTransportError(e);
          return;
        }
        this.checkPaused(d);
      },
      end: () => {
        if (!this.finished) this.onEof();
      },
      error: (e) => {
        if (!this.finished) this.onTransportError(e);
      },
    });
  }

  checkPaused(d) {
    if (this.finished || this.paused) return;
    if (this.failure || (this.owner.wantsMore() && !this.backlogged())) return;
    this.paused = true;
    d.pause();
    this.resumeWaiter = () =>
      queueMicrotask(() => {
        this.paused = false;
        if (this.finished) return;
        this.checkPaused(d);
        if (!this.paused) d.resume();
      });
  }

  /**
   * Output backpressure (options.highWaterMark, on by default for servers): while more than that many bytes wait
   * to be written, the socket is not read, so a peer that sends without reading what it provokes (echoes, Pongs)
   * fills its own TCP buffers, not our memory.
   */
  backlogged() {
    const hw = this.opts.highWaterMark;
    return hw > 0 && this.bufferedAmount > hw;
  }

  /** Backpressure released: read the socket again. */
  resume() {
    const r = this.resumeWaiter;
    this.resumeWaiter = null;
    r?.();
  }

  onData(chunk) {
    const events = this.events;
    let error;
    try {
      // Large binary payloads are collected in JS, except a server's (its input is masked: unmasked in wasm).
      this.rx ??= receiver(this.server ? 0 : COLLECT_MIN, this.transport?.direct?.borrowed === true);
      receive(this.conn, chunk, this.sink, this.rx);
    } catch (e) {
      error = e;
    }
    this.flush();
    for (let i = 0; i < events.length; i += 3) {
      if (this.finished) break;
      const kind = events[i];
      const a = events[i + 1];
      switch (kind) {
        case TEXT:
        case BINARY:
          this.owner.onMessage(a);
          break;
        case PONG:
          this.onPong(a);
          break;
        case CLOSE:
          this.onPeerClose(a, events[i + 2]);
          break;
        default: // PING: the core answers it
      }
    }
    events.length = 0;
    if (error !== undefined) this.fail(HybiError.from(error, "ProtocolError"));
    else this.checkTransport();
  }

  onEof() {
    this.readDone = true;
    if (this.peerClose && this.conn.closeSent) {
      // RFC 6455 §7.1.1: the server closed TCP after the closing handshake.
      this.finish({ code: this.peerClose.code, reason: this.peerClose.reason, wasClean: true });
    } else if (this.failure) {
      this.finish({ code: 1006, reason: "", wasClean: false, error: this.failure });
    } else {
      this.finish({ code: 1006, reason: "", wasClean: false });
    }
  }

  onTransportError(e) {
    if (this.peerClose && this.conn?.closeSent) {
      // A reset after the closing handshake completed: the close was still clean as far as frames go.
      this.finish({ code: this.peerClose.code, reason: this.peerClose.reason, wasClean: true });
      return;
    }
    const err =
      this.failure ??
      new HybiError(`the connection was lost: ${e && e.message ? e.message : e}`, { kind: "ConnectionLost", cause: e });
    this.finish({ code: 1006, reason: "", wasClean: false, error: err });
  }

  onPeerClose(code, reason) {
    this.peerClose = { code, reason };
    if (this.state === OPEN) {
      this.state = CLOSING;
      this.owner.onClosing?.();
    }
    this.stopKeepalive();
    this.rejectPings(new HybiError("the connection is closing", { kind: "Closed" }));
    this.startCloseTimer();
  }

  // ------------------------------------------------------------------ writing

  /**
   * Takes the core's output and writes it. While a write is in flight, small output stays in the core's buffer
   * (bufferedAmount counts it) and goes out in one piece when that write is done: one wasm call and one socket
   * write per batch of small messages. Once the held-back output reaches BATCH_LIMIT it is taken and queued behind
   * the write in flight, so the core's buffer (and wasm memory) stays small. `whenWritten()` tells when it is out.
   */
  flush(buffered) {
    if (!this.conn) return;
    // `buffered`: the core's buffered amount if the caller has it (saves a call).
    if (this.inFlight && (buffered ?? this.conn.bufferedAmount) < BATCH_LIMIT) {
      this.held = true;
      return;
    }
    this.writeOut(takeOutput(this.conn, undefined, this.inFlight ? undefined : this.take));
  }

  /** Writes output taken from the core, if any (null: the socket's writeNow took all of it already). */
  writeOut(out) {
    if (out === null) this.wroteNow();
    else if (out !== undefined) this.write(out);
  }

  /**
   * Output the socket took at once (writeNow) counts as a write in flight until a microtask later, as a write
   * whose callback comes then does: what is sent meanwhile is held and goes out in one write (16 B echo with 32
   * messages in flight in Bun: 123 k msg/s written one by one, 295 k held).
   */
  wroteNow() {
    this.inFlight = true;
    this.issued++;
    queueMicrotask((this.afterNow ??= () => this.wrote(0)));
  }

  write(bytes) {
    const n = bytes.byteLength;
    this.unwritten += n;
    this.inFlight = true;
    this.issued++;
    const d = this.transport.direct;
    // A direct transport takes a callback: no promise per write, which a send to each of many sockets pays for.
    if (d) d.send(bytes, (e) => (e ? this.writeFailed(n, e) : this.wrote(n, bytes)));
    else {
      // A stream's write settling says the bytes were written, not that the stream let go of them (a JS sink may
      // keep the chunk), except where the transport says so (workerd's sockets): only then is the buffer reused.
      const reusable = this.transport.releasesWrites === true ? bytes : undefined;
      this.writer.write(bytes).then(() => this.wrote(n, reusable), (e) => this.writeFailed(n, e));
    }
  }

  wrote(n, bytes) {
    this.unwritten -= n;
    this.completed++;
    this.inFlight = false;
    // A direct transport's write callback (Node; Bun and Deno through their shims), or a write promise where the
    // transport says so (workerd), means the socket holds the bytes no more: the buffer can carry a later write.
    if (bytes) release(bytes);
    if (this.held) {
      this.held = false;
      this.flush();
    }
    const w = this.waiters;
    while (w.length > 0 && w[0].target <= this.completed) w.shift().resolve();
    if (this.paused && this.opts.highWaterMark > 0 && !this.backlogged()) this.resume();
  }

  writeFailed(n, e) {
    this.unwritten -= n;
    this.completed++;
    this.inFlight = false;
    this.held = false;
    for (const w of this.waiters.splice(0)) w.reject(e);
    if (this.state === CONNECTING) {
      // e.g. a TLS handshake that fails at the first write (workerd's startTls): the handshake failed.
      this.abortConnect?.(
        new HybiError(`the opening handshake failed: ${e?.message ?? e}`, { kind: "HandshakeFailed", cause: e }),
      );
    } else if (!this.finished) this.onTransportError(e);
  }

  /**
   * A promise settled when everything the core has queued so far is written (rejected if a write fails), or
   * undefined if nothing is waiting. Made only when asked: WebSocket.send does not ask.
   */
  whenWritten() {
    let target;
    if (this.conn && this.conn.bufferedAmount > 0) target = this.issued + 1; // the next write takes it all
    else if (this.completed < this.issued) target = this.issued;
    else return undefined;
    return new Promise((resolve, reject) => this.waiters.push({ target, resolve, reject }));
  }

  /** Settles once everything the core has queued is written (or a write failed). */
  async drained() {
    for (let i = 0; i < 1000; i++) {
      if (!this.inFlight) this.flush();
      const p = this.whenWritten();
      if (!p) return;
      await p.catch(noop);
    }
  }

  get bufferedAmount() {
    return this.unwritten + (this.conn ? this.conn.bufferedAmount : 0);
  }

  /** Sends a message now. Throws a HybiError if the core refuses. */
  // With no write in flight the output goes out at once: it is taken in the same call into wasm as the send.
  sendText(s) {
    if (!this.inFlight) this.writeOut(sendText(this.conn, s, this.take));
    else this.flush(sendText(this.conn, s));
  }

  sendBinary(bytes) {
    const conn = this.conn;
    // A server's frame is not masked: a large payload is copied once, after the header the core queues (and
    // whatever output it holds), instead of into wasm memory, into the frame and out again; and written now, even
    // with a write in flight: holding it for the next write would save a system call, not the copies (16 KiB
    // echo server: user CPU 16–17 → 13 µs a message).
    if (this.server && bytes.length >= DIRECT_PAYLOAD) {
      const r = conn.sendBinaryHeader(bytes.length);
      if (r === 0xffffffff) throw conn.takeError();
      if (r === 1) {
        this.writeOut(takeOutput(conn, bytes));
        return;
      }
    }
    if (!this.inFlight) this.writeOut(sendBinary(conn, bytes, this.take));
    else this.flush(sendBinary(conn, bytes));
  }

  // ------------------------------------------------------------------ ping

  ping(data) {
    let payload;
    if (data === undefined) {
      this.pingCounter = (this.pingCounter + 1) >>> 0;
      payload = new Uint8Array(8);
      new DataView(payload.buffer).setUint32(0, this.pingCounter);
      crypto.getRandomValues(payload.subarray(4));
    } else if (typeof data === "string") payload = utf8(data);
    else if (data instanceof ArrayBuffer) payload = new Uint8Array(data.slice(0));
    else if (ArrayBuffer.isView(data)) payload = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
    else throw new TypeError("ping data must be a string, an ArrayBuffer or an ArrayBufferView");
    try {
      this.conn.ping(payload);
    } catch (e) {
      return Promise.reject(HybiError.from(e));
    }
    this.flush();
    return new Promise((resolve, reject) => {
      this.pings.push({ payload, resolve, reject, t0: performance.now() });
    });
  }

  onPong(payload) {
    const pings = this.pings;
    let match = -1;
    for (let i = pings.length - 1; i >= 0; i--) {
      if (sameBytes(pings[i].payload, payload)) {
        match = i;
        break;
      }
    }
    if (match < 0) return; // unsolicited
    // A peer may answer only the latest Ping (RFC 6455 §5.5.3): this Pong answers every earlier one too.
    const done = pings.splice(0, match + 1);
    const now = performance.now();
    for (const p of done) p.resolve(now - p.t0);
  }

  rejectPings(err) {
    const pings = this.pings.splice(0);
    for (const p of pings) p.reject(err);
  }

  startKeepalive() {
    const every = this.opts.pingInterval;
    if (!every) return;
    const timeout = this.opts.pingTimeout || every;
    const tick = () => {
      if (this.state !== OPEN) return;
      this.keepalivePending = true;
      const t = setTimeout(() => {
        if (this.keepalivePending && this.state === OPEN) {
          this.fail(
            new HybiError(`no Pong within ${timeout} ms of a keepalive Ping`, { kind: "PingTimeout", closeCode: 1011 }),
            { code: 1011, reason: "keepalive ping timeout" },
          );
        }
      }, timeout);
      this.ping().then(
        () => {
          clearTimeout(t);
          this.keepalivePending = false;
          if (this.state === OPEN) this.keepalive = setTimeout(tick, every);
        },
        () => clearTimeout(t),
      );
    };
    this.keepalive = setTimeout(tick, every);
  }

  stopKeepalive() {
    if (this.keepalive) clearTimeout(this.keepalive);
    this.keepalive = null;
  }

  // ------------------------------------------------------------------ closing

  /** Starts the closing handshake (code 0: a Close without a status). While connecting: fails the handshake. */
  close(code, reason) {
    if (this.finished) return;
    if (this.state === CONNECTING) {
      this.state = CLOSING;
      this.abortConnect?.(
        new HybiError("close() was called before the connection was established", { kind: "Aborted" }),
      );
      return;
    }
    if (this.state !== OPEN && this.conn?.closeSent) return;
    if (this.state === OPEN) this.state = CLOSING;
    this.stopKeepalive();
    try {
      this.conn.close(code, reason);
    } catch {
      // already closing: nothing more to send
    }
    this.flush();
    this.rejectPings(new HybiError("the connection is closing", { kind: "Closed" }));
    this.startCloseTimer();
    this.checkTransport();
  }

  startCloseTimer() {
    if (this.closeTimer || this.finished) return;
    const ms = this.opts.closeTimeout;
    this.closeTimer = setTimeout(() => {
      this.closeTimer = null;
      if (this.finished) return;
      if (this.peerClose && this.conn.closeSent) {
        // The handshake completed but the server kept TCP open: close it ourselves (RFC 6455 §7.1.1).
        this.finish({ code: this.peerClose.code, reason: this.peerClose.reason, wasClean: true });
      } else {
        this.finish({ code: 1006, reason: "", wasClean: false, error: this.failure ?? undefined });
      }
    }, ms || 1);
  }

  /** A server closes TCP as soon as the closing handshake completes (RFC 6455 §7.1.1). */
  checkTransport() {
    if (this.server && this.conn && !this.failure && this.conn.shouldCloseTransport) {
      const done = () =>
        this.finish({ code: this.peerClose?.code ?? 1005, reason: this.peerClose?.reason ?? "", wasClean: true });
      this.drained().then(done, done);
    }
  }

  /**
   * Fails the connection (RFC 6455 §7.1.7): the Close the core queued (or `close`) is written, our side is
   * half-closed, and the peer is given closeTimeout to close its side; then error + close (1006) are reported.
   */
  fail(err, close) {
    if (this.failure || this.finished) return;
    this.failure = err;
    if (this.state === OPEN) this.state = CLOSING;
    this.stopKeepalive();
    this.rejectPings(err);
    if (close && this.conn && !this.conn.closeSent) {
      try {
        this.conn.close(close.code, close.reason);
      } catch {
        // nothing more can be sent
      }
    }
    if (this.conn) this.flush();
    this.owner.onClosing?.();
    // Half-close once the Close frame is written.
    const writer = this.writer;
    this.drained().then(() => writer.close().catch(noop));
    if (this.readDone) this.finish({ code: 1006, reason: "", wasClean: false, error: err });
    else this.startCloseTimer();
  }

  /** Ends the connection now, without a closing handshake (a server shutting down after its timeout). */
  terminate() {
    if (this.finished) return;
    if (this.state === CONNECTING) {
      this.close(0, "");
      return;
    }
    this.finish({ code: 1006, reason: "", wasClean: false });
  }

  finish(result, fromConnect = false) {
    if (this.finished) return;
    this.finished = true;
    this.state = CLOSED;
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.closeTimer = null;
    this.stopKeepalive();
    this.rejectPings(result.error ?? new HybiError("the connection is closed", { kind: "Closed" }));
    if (this.transport) {
      const t = this.transport;
      const { reader, writer } = this;
      const graceful = result.wasClean;
      // FIN first when the close was clean (bounded), then close the socket.
      (graceful ? Promise.race([this.drained().then(() => writer.close().catch(noop)), delay(200)]) : Promise.resolve())
        .then(() => {
          reader.cancel().catch(noop);
          writer.abort().catch(noop);
          if (typeof t.close === "function") {
            try {
              Promise.resolve(t.close(!graceful)).catch(noop);
            } catch {}
          }
        });
    }
    this.resume();
    if (this.conn) {
      try {
        this.conn.free();
      } catch {}
      this.conn = null;
    }
    this.owner.onClose(result, fromConnect);
  }
}

function delay(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Closes a transport: its own close() when it has one, else cancel/abort its streams. */
export function closeTransport(t, abrupt) {
  try {
    if (typeof t.close === "function") {
      Promise.resolve(t.close(abrupt)).catch(noop);
      return;
    }
  } catch {}
  try {
    t.readable.cancel().catch(noop);
  } catch {}
  try {
    (abrupt ? t.writable.abort() : t.writable.close()).catch(noop);
  } catch {}
}
