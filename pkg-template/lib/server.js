// The server side: `accept(conn)` on an accepted connection, `handleUpgrade(req, socket, head)` for Node's
// http/https `upgrade` event, and `WebSocketServer`, which tracks its connections, can listen on the runtime's own
// sockets (Node net, Deno.listen, Bun.listen) and shuts down gracefully.
//
// The opening handshake (RFC 6455 §4.2): read the request head (bounded size and time), let the core validate it
// (400/405/426/431 answered without the hook), check the Origin, call the `handshake` hook, negotiate
// permessage-deflate, write the 101, then hand the transport and the bytes read past the head to the same
// WebSocket class the client uses (or to a WebSocketStream).

import { buildRejection, buildResponse, parseRequest, validateRequest, WasmConnection } from "../hybi.js";
import { HybiError, lazyHeaders, utf8 } from "./errors.js";
import { kServer, kTerminate } from "./internal.js";
import { platform } from "./platform.js";
import { headerPairs, nonNegative, normalizeOptions, parseProtocols } from "./session.js";
import { WebSocketStream } from "./stream.js";
import { fromDenoConn, isDenoConn } from "./transport-deno.js";
import { fromNodeSocket, isNodeSocket } from "./transport-node.js";
import { WebSocket } from "./websocket.js";

const DEFAULT_MAX_HEAD = 16 * 1024;
const DEFAULT_MAX_HEADERS = 64;
const LINGER = 1000; // ms: after a refusal, how long to read (and drop) what the client still sends
const noop = () => {};

function delay(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function normalizeOrigins(v) {
  if (v === undefined || v === null) return null;
  if (typeof v === "function") return v;
  const list = typeof v === "string" ? [v] : Array.from(v, String);
  const set = new Set(list.map((o) => o.trim().toLowerCase().replace(/\/+$/, "")));
  return (origin) => origin === null || set.has(origin.trim().toLowerCase().replace(/\/+$/, ""));
}

/** The server's options: the socket options of normalizeOptions() (server defaults) plus the handshake's. */
function normalizeServerOptions(options) {
  const o = options ?? {};
  if (o.handshake !== undefined && o.handshake !== null && typeof o.handshake !== "function") {
    throw new TypeError("options.handshake must be a function (request) => decision");
  }
  let protocols;
  try {
    protocols = parseProtocols(o.protocols);
  } catch (e) {
    throw new TypeError(`options.protocols: ${e.message}`);
  }
  const headers = headerPairs(o.headers);
  const base = normalizeOptions({ ...o, headers: undefined }, { server: true });
  return {
    ...base,
    responseHeaders: headers,
    handshake: o.handshake ?? null,
    protocols,
    allowedOrigins: normalizeOrigins(o.allowedOrigins),
    maxHeadSize: nonNegative("maxHeadSize", o.maxHeadSize, DEFAULT_MAX_HEAD),
    maxHeaders: nonNegative("maxHeaders", o.maxHeaders, DEFAULT_MAX_HEADERS),
    stream: o.stream === true,
  };
}

/** Any accepted connection → a transport `{ readable, writable, close?, remoteAddress?, remotePort? }`. */
export function toTransport(conn) {
  if (isDenoConn(conn)) return fromDenoConn(conn);
  if (conn && typeof conn.readable?.getReader === "function" && typeof conn.writable?.getWriter === "function") return conn;
  if (isNodeSocket(conn)) return fromNodeSocket(conn);
  if (conn && typeof conn.write === "function" && typeof conn.terminate === "function") {
    throw new TypeError(
      "accept(): a Bun socket's events go to the listener's handlers; listen with " +
        "`Bun.listen({ …, socket: bunHandlers((conn) => accept(conn)) })` (or WebSocketServer.listen())",
    );
  }
  throw new TypeError("accept(conn): conn must be { readable, writable } streams, a Node net.Socket, a Deno.Conn or a bunHandlers() transport");
}

/** One timer for the whole opening handshake, which the server can also fire early (shutdown). */
class Deadline {
  constructor(ms) {
    this.promise = new Promise((_, reject) => (this.reject = reject));
    this.promise.catch(noop);
    this.timer =
      ms > 0
        ? setTimeout(
            () =>
              this.reject(
                new HybiError(`the opening handshake did not complete within ${ms} ms`, { kind: "HandshakeTimeout" }),
              ),
            ms,
          )
        : null;
  }
  race(p) {
    return Promise.race([p, this.promise]);
  }
  abort(err) {
    this.reject(err);
  }
  done() {
    if (this.timer) clearTimeout(this.timer);
  }
}

function concat(chunks, total) {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

/** Reads the request head; `parseRequest` runs only when a chunk may have ended it (has a LF) or on overflow. */
async function readRequest(reader, o, deadline) {
  const chunks = [];
  let total = 0;
  for (;;) {
    const { value, done } = await deadline.race(reader.read());
    if (done) {
      throw new HybiError("the client closed the connection during the opening handshake", { kind: "ConnectionClosed" });
    }
    const chunk = value instanceof Uint8Array ? value : new Uint8Array(value);
    chunks.push(chunk);
    total += chunk.byteLength;
    if (!chunk.includes(10) && total <= o.maxHeadSize) continue;
    const buf = concat(chunks, total);
    chunks.length = 0;
    chunks.push(buf);
    const req = parseRequest(buf, o.maxHeadSize, o.maxHeaders); // throws a HybiError carrying `response`
    if (req !== undefined) return { req, leftover: buf.subarray(req.headLength) };
  }
}

/** The request as the `handshake` hook and `onConnection` see it. */
function requestInfo(req, transport) {
  const secure = transport.secure === true;
  const info = {
    method: req.method,
    path: req.path,
    url: `${secure ? "wss" : "ws"}://${req.host}${req.path}`,
    host: req.host,
    headers: null, // lazyHeaders: Headers built on first read
    origin: req.origin ?? null,
    protocols: Array.from(req.protocols),
    extensions: Array.from(req.extensions),
    remoteAddress: transport.remoteAddress ?? null,
    remotePort: transport.remotePort ?? null,
  };
  return lazyHeaders(info, req.headers);
}

function bodyBytes(body) {
  if (body === undefined || body === null) return new Uint8Array(0);
  if (typeof body === "string") return utf8(body);
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  return utf8(String(body));
}

function rejection(status, headers, body) {
  const hasType = headers.some(([n]) => n.toLowerCase() === "content-type");
  const h = body.byteLength > 0 && !hasType ? [["Content-Type", "text/plain; charset=utf-8"], ...headers] : headers;
  return buildRejection(status, h, body);
}

/** What the hook decided, as { refuse: { status, headers, body } } or { protocol, headers }. */
function decide(decision, request, o) {
  const preferred = o.protocols.find((p) => request.protocols.includes(p)) ?? null;
  if (decision === undefined || decision === null || decision === true) return { protocol: preferred, headers: [] };
  if (decision === false) return { refuse: { status: 403, headers: [], body: utf8("Forbidden\n") } };
  if (typeof decision !== "object") throw new TypeError("the handshake hook must return undefined, a boolean or an object");
  if (decision.status !== undefined && decision.status !== 101) {
    const status = Number(decision.status);
    if (!Number.isInteger(status) || status < 200 || status > 999) {
      throw new TypeError(`the handshake hook refused with an invalid status ${decision.status}`);
    }
    return { refuse: { status, headers: headerPairs(decision.headers), body: bodyBytes(decision.body) } };
  }
  let protocol = preferred;
  if ("protocol" in decision) {
    protocol = decision.protocol === undefined || decision.protocol === null || decision.protocol === "" ? null : String(decision.protocol);
    if (protocol !== null && !request.protocols.includes(protocol)) {
      throw new TypeError(`the handshake hook chose the subprotocol ${JSON.stringify(protocol)}, which the client did not offer`);
    }
  }
  return { protocol, headers: headerPairs(decision.headers) };
}

/**
 * Answers with an HTTP refusal, half-closes, then reads (and drops) what the client still sends for up to LINGER
 * ms before closing, so that unread request bytes do not turn the close into a reset that eats the answer.
 */
function refuse(transport, reader, writer, bytes) {
  const finish = () => {
    reader.cancel().catch(noop);
    writer.abort().catch(noop);
    closeQuietly(transport);
  };
  (async () => {
    const until = Date.now() + LINGER;
    const within = (p) => Promise.race([p, delay(Math.max(0, until - Date.now())).then(() => ({ done: true }))]);
    try {
      if (bytes) await within(writer.write(bytes));
      await within(writer.close());
      while (Date.now() < until) {
        const r = await within(reader.read());
        if (r.done) break;
      }
    } catch {}
    finish();
  })();
}

function closeQuietly(transport) {
  try {
    if (typeof transport.close === "function") Promise.resolve(transport.close(true)).catch(noop);
  } catch {}
}

/**
 * Runs the server's opening handshake on `transport`. `parsed`: a request another HTTP stack already read
 * ({ request, leftover }), else the head is read here. Resolves to { socket, request }; rejects with a HybiError
 * after answering (or dropping) the client.
 */
async function serverHandshake(transport, o, parsed, track) {
  const deadline = new Deadline(o.handshakeTimeout);
  track?.add(deadline);
  let reader, writer;
  try {
    reader = transport.readable.getReader();
    writer = transport.writable.getWriter();
  } catch (e) {
    deadline.done();
    track?.delete(deadline);
    closeQuietly(transport);
    throw new HybiError(`accept(): the connection's streams are not usable: ${e?.message ?? e}`, { kind: "HandshakeFailed", cause: e });
  }
  writer.closed.catch(noop);
  reader.closed.catch(noop);
  let conn = null;
  try {
    let raw, leftover;
    if (parsed) {
      if (parsed.error) throw parsed.error;
      raw = parsed.request;
      leftover = parsed.leftover;
    } else {
      ({ req: raw, leftover } = await readRequest(reader, o, deadline));
    }
    const request = requestInfo(raw, transport);
    if (o.allowedOrigins && !o.allowedOrigins(request.origin)) {
      const err = new HybiError(`origin ${JSON.stringify(request.origin)} is not allowed`, { kind: "OriginNotAllowed", status: 403 });
      err.response = rejection(403, [], utf8("origin not allowed\n"));
      throw err;
    }
    let decision;
    try {
      decision = decide(o.handshake ? await deadline.race(Promise.resolve().then(() => o.handshake(request))) : undefined, request, o);
    } catch (e) {
      if (e instanceof HybiError && (e.kind === "HandshakeTimeout" || e.kind === "ServerClosed")) throw e;
      const err = new HybiError(`the handshake hook failed: ${e?.message ?? e}`, { kind: "HandshakeHookFailed", status: 500, cause: e });
      err.response = rejection(500, [], utf8("Internal Server Error\n"));
      throw err;
    }
    if (decision.refuse) {
      const { status, headers, body } = decision.refuse;
      let bytes;
      try {
        bytes = rejection(status, headers, body);
      } catch (e) {
        const err = new HybiError(`the handshake hook's refusal is not valid HTTP: ${e?.message ?? e}`, {
          kind: "HandshakeHookFailed",
          status: 500,
          cause: e,
        });
        err.response = rejection(500, [], utf8("Internal Server Error\n"));
        throw err;
      }
      const err = new HybiError(`the handshake was refused with ${status}`, { kind: "Refused", status });
      err.response = bytes;
      throw err;
    }
    conn = new WasmConnection(true, o.maxFrameSize, o.maxMessageSize, 0, true, o.fragmentSize);
    const extensions = o.deflate && request.extensions.length > 0 ? (conn.enableServerDeflate(request.extensions, o.deflate) ?? "") : "";
    let response;
    try {
      response = buildResponse(raw.key, decision.protocol ?? undefined, extensions || undefined, [
        ...o.responseHeaders,
        ...decision.headers,
      ]);
    } catch (e) {
      const err = new HybiError(`cannot build the 101 response: ${e?.message ?? e}`, { kind: "HandshakeHookFailed", status: 500, cause: e });
      err.response = rejection(500, [], utf8("Internal Server Error\n"));
      throw err;
    }
    await deadline.race(writer.write(response));
    deadline.done();
    track?.delete(deadline);
    reader.releaseLock();
    writer.releaseLock();
    const init = {
      transport,
      conn,
      leftover: leftover && leftover.byteLength > 0 ? new Uint8Array(leftover) : undefined,
      protocol: decision.protocol ?? "",
      extensions,
      url: request.url,
      request,
      opts: o,
    };
    conn = null;
    const socket = o.stream ? new WebSocketStream(kServer, init) : new WebSocket(kServer, init);
    return { socket, request };
  } catch (e) {
    deadline.done();
    track?.delete(deadline);
    if (conn) conn.free();
    const err = e instanceof HybiError ? e : HybiError.from(e, "HandshakeFailed");
    if (e?.response instanceof Uint8Array) {
      if (!(e instanceof HybiError)) err.response = e.response;
      refuse(transport, reader, writer, e.response);
    } else {
      reader.cancel().catch(noop);
      writer.abort().catch(noop);
      closeQuietly(transport);
    }
    throw err;
  }
}

/** Node's IncomingMessage.rawHeaders ([name, value, name, value …]) → pairs. */
function rawPairs(raw) {
  const out = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([String(raw[i]), String(raw[i + 1])]);
  return out;
}

function parsedUpgrade(req, head) {
  try {
    const request = validateRequest(req.method, req.url, req.httpVersionMajor, req.httpVersionMinor, rawPairs(req.rawHeaders ?? []));
    return { request, leftover: head && head.byteLength > 0 ? new Uint8Array(head.buffer, head.byteOffset, head.byteLength) : undefined };
  } catch (e) {
    return { error: HybiError.from(e, "BadRequest"), response: e?.response };
  }
}

function upgradeTransport(socket) {
  if (!isNodeSocket(socket)) throw new TypeError("handleUpgrade(req, socket, head): socket must be the upgrade event's net.Socket");
  socket.setTimeout?.(0);
  return fromNodeSocket(socket);
}

function attachResponse(parsed) {
  if (parsed.error && parsed.response instanceof Uint8Array) parsed.error.response = parsed.response;
  return parsed;
}

/**
 * Accepts a WebSocket connection on an accepted socket: `{ readable, writable }`, a Node net.Socket, a Deno.Conn,
 * or a transport from bunHandlers(). Resolves to an open server-side WebSocket (or, with `stream: true`, a
 * WebSocketStream-shaped object); rejects with a HybiError once the client was answered (400, 403, 405, 426, 431,
 * the hook's refusal …) or dropped (timeout).
 */
export function accept(conn, options) {
  let p;
  try {
    const o = normalizeServerOptions(options);
    p = serverHandshake(toTransport(conn), o, null, null).then((r) => r.socket);
  } catch (e) {
    p = Promise.reject(e);
  }
  p.catch(noop); // a refused client must not be an unhandled rejection when the caller does not await
  return p;
}

/** Node http/https `upgrade` event: `server.on("upgrade", (req, socket, head) => handleUpgrade(req, socket, head))`. */
export function handleUpgrade(req, socket, head, options) {
  let p;
  try {
    const o = normalizeServerOptions(options);
    p = serverHandshake(upgradeTransport(socket), o, attachResponse(parsedUpgrade(req, head)), null).then((r) => r.socket);
  } catch (e) {
    p = Promise.reject(e);
  }
  p.catch(noop);
  return p;
}

function waitClosed(ws) {
  if (ws instanceof WebSocket) {
    if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((r) => ws.addEventListener("close", () => r(), { once: true }));
  }
  return ws.closed.then(noop, noop);
}

/**
 * A WebSocket server: accepts connections (from its own listener, `accept` or `handleUpgrade`), tracks them in
 * `clients`, and shuts down gracefully with `close()`.
 */
export class WebSocketServer {
  #raw;
  #opts;
  #onConnection;
  #onError;
  #clients = new Set();
  #pending = new Set();
  #listener = null;
  #address = null;
  #closing = null;

  constructor(options = {}) {
    const { onConnection, onError, ...rest } = options ?? {};
    if (onConnection !== undefined && typeof onConnection !== "function") throw new TypeError("options.onConnection must be a function");
    if (onError !== undefined && typeof onError !== "function") throw new TypeError("options.onError must be a function");
    this.#raw = rest;
    this.#opts = normalizeServerOptions(rest);
    this.#onConnection = onConnection ?? null;
    this.#onError = onError ?? null;
  }

  /** The open connections (WebSocket, or WebSocketStream with `stream: true`). */
  get clients() {
    return this.#clients;
  }

  /** `{ hostname, port }` once listen() resolved, else null. */
  get address() {
    return this.#address;
  }

  #options(options) {
    return options ? normalizeServerOptions({ ...this.#raw, ...options }) : this.#opts;
  }

  #run(transportOrError, parsed, options) {
    let p;
    try {
      const o = this.#options(options);
      if (transportOrError instanceof Error) throw transportOrError;
      if (this.#closing) {
        const t = transportOrError;
        const err = new HybiError("the server is closing", { kind: "ServerClosed", status: 503 });
        try {
          refuse(t, t.readable.getReader(), t.writable.getWriter(), rejection(503, [], utf8("Service Unavailable\n")));
        } catch {
          closeQuietly(t);
        }
        throw err;
      }
      p = serverHandshake(transportOrError, o, parsed, this.#pending);
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      ({ socket, request }) => {
        if (this.#closing) {
          // Opened while shutting down: close it at once, as the others.
          this.#track(socket);
          try {
            socket instanceof WebSocket ? socket.close(1001, "") : socket.close({ closeCode: 1001 });
          } catch {}
          return;
        }
        this.#track(socket);
        if (this.#onConnection) {
          try {
            this.#onConnection(socket, request);
          } catch (e) {
            this.#report(e);
          }
        }
      },
      (e) => this.#report(e),
    );
    const out = p.then((r) => r.socket);
    out.catch(noop);
    return out;
  }

  #report(e) {
    if (!this.#onError) return;
    try {
      this.#onError(e);
    } catch {}
  }

  #track(socket) {
    this.#clients.add(socket);
    waitClosed(socket).then(() => this.#clients.delete(socket));
  }

  /** Accepts a connection as `accept()` does (per-call options override the server's); tracked in `clients`. */
  accept(conn, options) {
    let t;
    try {
      t = toTransport(conn);
    } catch (e) {
      t = e;
    }
    return this.#run(t, null, options);
  }

  /** Node's `upgrade` event, as `handleUpgrade()`; tracked in `clients`. */
  handleUpgrade(req, socket, head, options) {
    let t, parsed;
    try {
      t = upgradeTransport(socket);
      parsed = attachResponse(parsedUpgrade(req, head));
    } catch (e) {
      t = e;
    }
    return this.#run(t, parsed, options);
  }

  /**
   * Listens on the runtime's own sockets (Node `net`, `Deno.listen`, `Bun.listen`) and accepts every connection.
   * Resolves to `{ hostname, port }`.
   */
  async listen({ port = 0, hostname = "0.0.0.0", backlog } = {}) {
    if (typeof platform.listen !== "function") {
      throw new HybiError(`this runtime (${platform.name}) has no server sockets: pass connections to accept()`, { kind: "NoSockets" });
    }
    if (this.#listener) throw new HybiError("the server is already listening", { kind: "AlreadyListening" });
    if (this.#closing) throw new HybiError("the server is closed", { kind: "ServerClosed" });
    const listener = await platform.listen({ hostname, port: Number(port), backlog }, (t) => this.#run(t, null, undefined));
    this.#listener = listener;
    this.#address = { hostname: listener.hostname, port: listener.port };
    return this.#address;
  }

  /**
   * Graceful shutdown: stops listening, drops handshakes in progress, sends a Close (`code`, default 1001 "going
   * away") to every open connection and waits up to `timeout` ms (default 5000) for their closing handshakes; the
   * rest are closed without one. Resolves to `{ closed, terminated }` (counts).
   */
  close({ code = 1001, reason = "", timeout = 5000 } = {}) {
    if (this.#closing) return this.#closing;
    this.#closing = (async () => {
      const listener = this.#listener;
      this.#listener = null;
      let stopped;
      try {
        stopped = Promise.resolve(listener?.close());
      } catch {}
      for (const d of this.#pending) d.abort(new HybiError("the server is closing", { kind: "ServerClosed" }));
      const open = [...this.#clients];
      const all = Promise.all(open.map(waitClosed));
      for (const ws of open) {
        try {
          ws instanceof WebSocket ? ws.close(code, reason) : ws.close({ closeCode: code, reason });
        } catch {}
      }
      const inTime = await Promise.race([all.then(() => true), delay(timeout).then(() => false)]);
      let terminated = 0;
      if (!inTime) {
        for (const ws of [...this.#clients]) {
          terminated++;
          ws[kTerminate]();
        }
      }
      await Promise.race([stopped?.catch(noop), delay(2000)]);
      return { closed: open.length - terminated, terminated };
    })();
    return this.#closing;
  }
}
