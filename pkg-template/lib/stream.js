// WebSocketStream (WHATWG WebSockets standard) over hybi, with real backpressure both ways: when the readable is not
// read, the socket is not read either; a write's promise settles when the socket accepted the bytes.

import { checkCloseArgs, HybiError, WebSocketError } from "./errors.js";
import { kServer, kTerminate } from "./internal.js";
import { normalizeOptions, OPEN, parseProtocols, parseWebSocketURL, Session } from "./session.js";

const noop = () => {};

function closeArgsFrom(reason) {
  // cancel(reason) / abort(reason): a WebSocketError carries the code and reason to close with.
  if (reason instanceof WebSocketError) return { code: reason.closeCode ?? 0, reason: reason.reason ?? "" };
  return { code: 0, reason: "" };
}

export class WebSocketStream {
  #url;
  #opened;
  #closed;
  #session;
  #readController = null;
  #writeController = null;
  #readable = null;
  #writable = null;
  #closeRequested = false;
  #server = false;

  /**
   * @param {string | URL} url
   * @param {{ protocols?: string[], signal?: AbortSignal } & object} [options] plus hybi's WebSocket options
   */
  constructor(url, options = {}) {
    if (arguments.length === 0) throw new TypeError("WebSocketStream: the url argument is required");
    // Internal: an already-open server-side stream over an accepted transport (lib/server.js).
    const server = url === kServer ? options : null;
    let u, protocols, opts;
    if (server) {
      this.#server = true;
      this.#url = server.url ?? "";
      opts = server.opts;
    } else {
      u = parseWebSocketURL(url, globalThis.location?.href);
      protocols = parseProtocols(options?.protocols);
      opts = normalizeOptions(options);
      this.#url = u.href;
    }
    let openedResolve, openedReject, closedResolve, closedReject;
    this.#opened = new Promise((res, rej) => ((openedResolve = res), (openedReject = rej)));
    this.#closed = new Promise((res, rej) => ((closedResolve = res), (closedReject = rej)));
    this.#opened.catch(noop);
    this.#closed.catch(noop);

    const self = this;
    const session = new Session(
      {
        onOpen({ protocol, extensions, response, request }) {
          const readable = new ReadableStream(
            {
              start(c) {
                self.#readController = c;
              },
              pull() {
                session.resume();
              },
              cancel(reason) {
                self.#readController = null;
                const { code, reason: r } = closeArgsFrom(reason);
                self.#closeWith(code, r);
              },
            },
            { highWaterMark: 1 },
          );
          const writable = new WritableStream(
            {
              start(c) {
                self.#writeController = c;
              },
              write(chunk) {
                return self.#send(chunk);
              },
              close() {
                self.#closeWith(0, "");
                return self.#closed.then(noop, noop);
              },
              abort(reason) {
                const { code, reason: r } = closeArgsFrom(reason);
                self.#closeWith(code, r);
              },
            },
            { highWaterMark: 1 },
          );
          self.#readable = readable;
          self.#writable = writable;
          openedResolve(
            request ? { readable, writable, protocol, extensions, request } : { readable, writable, protocol, extensions, response },
          );
        },
        onMessage(data) {
          const c = self.#readController;
          if (!c) return;
          try {
            c.enqueue(data);
          } catch {
            // the readable was closed or cancelled
          }
        },
        onClosing() {},
        onClose({ code, reason, wasClean, error }, beforeOpen) {
          if (wasClean) {
            try {
              self.#readController?.close();
            } catch {}
            try {
              self.#writeController?.error(new DOMException("the WebSocket is closed", "InvalidStateError"));
            } catch {}
            closedResolve({ closeCode: code, reason });
            return;
          }
          const message = error ? error.message : "the connection closed without a closing handshake";
          const err = WebSocketError._unclean(message, error);
          if (beforeOpen) openedReject(err);
          try {
            self.#readController?.error(err);
          } catch {}
          try {
            self.#writeController?.error(err);
          } catch {}
          closedReject(err);
        },
        wantsMore() {
          const c = self.#readController;
          return c === null || c.desiredSize > 0;
        },
      },
      opts,
    );
    this.#session = session;
    if (server) {
      session.startOpen(server.transport, server.conn, server.leftover, true, {
        protocol: server.protocol ?? "",
        extensions: server.extensions ?? "",
        request: server.request,
      });
      return;
    }
    if (options?.signal?.aborted) {
      // Per the standard: an already-aborted signal rejects both promises with its reason.
      const r = options.signal.reason;
      openedReject(r);
      closedReject(r);
      this.#session = null;
      return;
    }
    session.startClient(u, protocols);
  }

  get url() {
    return this.#url;
  }
  /** @returns {Promise<{ readable: ReadableStream, writable: WritableStream, protocol: string, extensions: string, response: object }>} */
  get opened() {
    return this.#opened;
  }
  /** @returns {Promise<{ closeCode: number, reason: string }>} */
  get closed() {
    return this.#closed;
  }

  /** @param {{ closeCode?: number, reason?: string }} [info] */
  close(info = {}) {
    const { code, reason } = checkCloseArgs(info?.closeCode, info?.reason, { server: this.#server });
    this.#closeWith(code, reason);
  }

  /** Internal (server shutdown): ends the connection now, without a closing handshake. */
  [kTerminate]() {
    this.#session?.terminate();
  }

  /** hybi: a Ping; resolves with the round-trip time (ms) when the matching Pong arrives. */
  ping(data) {
    const s = this.#session;
    if (!s || s.state !== OPEN) {
      return Promise.reject(new DOMException("ping() needs an open connection", "InvalidStateError"));
    }
    return s.ping(data);
  }

  #closeWith(code, reason) {
    if (this.#closeRequested || !this.#session) return;
    this.#closeRequested = true;
    this.#session.close(code, reason);
  }

  #send(chunk) {
    const s = this.#session;
    if (s.state !== OPEN) return Promise.reject(new DOMException("the WebSocket is closing", "InvalidStateError"));
    try {
      if (typeof chunk === "string") s.sendText(chunk);
      else if (chunk instanceof ArrayBuffer) s.sendBinary(new Uint8Array(chunk));
      else if (ArrayBuffer.isView(chunk)) s.sendBinary(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      else if (typeof Blob === "function" && chunk instanceof Blob) {
        return chunk.arrayBuffer().then((b) => this.#send(b));
      } else throw new TypeError("WebSocketStream: write a string, an ArrayBuffer, an ArrayBufferView or a Blob");
      return s.whenWritten();
    } catch (e) {
      if (e instanceof TypeError) throw e;
      throw HybiError.from(e);
    }
  }

  get [Symbol.toStringTag]() {
    return "WebSocketStream";
  }
}
