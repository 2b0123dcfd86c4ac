// WHATWG-compatible WebSocket over hybi's wasm core, plus hybi's options (headers, timeouts, ping, proxy, socket…).

import { checkCloseArgs, HybiError, utf8Length } from "./errors.js";
import { CloseEvent, DispatchedMessageEvent, ErrorEvent } from "./events.js";
import { kServer, kTerminate } from "./internal.js";
import {
  CLOSED,
  CLOSING,
  CONNECTING,
  normalizeOptions,
  OPEN,
  parseProtocols,
  parseWebSocketURL,
  Session,
} from "./session.js";

// workerd's EventTarget calls `on<type>` properties itself when it dispatches; elsewhere we register a listener.
const NATIVE_ON_HANDLERS = (() => {
  let called = false;
  class Probe extends EventTarget {
    get onhybiprobe() {
      return () => (called = true);
    }
  }
  try {
    new Probe().dispatchEvent(new Event("hybiprobe"));
  } catch {}
  return called;
})();

function isPlainOptions(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v) && typeof v[Symbol.iterator] !== "function";
}

export class WebSocket extends EventTarget {
  static CONNECTING = CONNECTING;
  static OPEN = OPEN;
  static CLOSING = CLOSING;
  static CLOSED = CLOSED;

  #url;
  #readyState = CONNECTING;
  #protocol = "";
  #extensions = "";
  #binaryType = "blob";
  #response = null;
  #session;
  #server = false;
  #handlers = { open: null, message: null, error: null, close: null };
  #queue = null; // sends waiting behind a Blob being read (keeps message order)
  #queued = 0; // their bytes, counted in bufferedAmount
  #discarded = 0; // bytes "sent" after closing (WHATWG: bufferedAmount still grows)
  #origin;

  /**
   * @param {string | URL} url ws:, wss:, http: or https:
   * @param {string | string[] | object} [protocols] subprotocols, or the options
   * @param {object} [options] hybi's options (headers, origin, limits, timeouts, pingInterval, signal, tls, proxy, socket)
   */
  constructor(url, protocols, options) {
    super();
    if (url === kServer) {
      // Internal: an already-open (server-side) WebSocket from an accepted socket.
      const init = protocols;
      this.#server = true;
      this.#url = init.url ?? "";
      this.#protocol = init.protocol ?? "";
      this.#extensions = init.extensions ?? "";
      this.#readyState = OPEN;
      this.#session = new Session(this.#owner(), init.opts ?? normalizeOptions(init.options, { server: true }));
      this.#session.startOpen(init.transport, init.conn, init.leftover, true, {
        protocol: this.#protocol,
        extensions: this.#extensions,
      });
      return;
    }
    if (arguments.length === 0) throw new TypeError("WebSocket: the url argument is required");
    if (options === undefined && isPlainOptions(protocols)) {
      options = protocols;
      protocols = options.protocols;
    }
    const u = parseWebSocketURL(url, globalThis.location?.href);
    const list = parseProtocols(protocols);
    const opts = normalizeOptions(options);
    this.#url = u.href;
    this.#origin = u.origin.replace(/^http/, "ws");
    this.#session = new Session(this.#owner(), opts);
    this.#session.startClient(u, list);
  }

  #owner() {
    return {
      onOpen: ({ protocol, extensions, response }) => {
        if (this.#readyState !== CONNECTING) return;
        this.#readyState = OPEN;
        this.#protocol = protocol;
        this.#extensions = extensions;
        this.#response = response;
        this.dispatchEvent(new Event("open"));
      },
      onMessage: (data) => {
        if (this.#readyState !== OPEN) return;
        if (typeof data !== "string") {
          data = this.#binaryType === "arraybuffer" ? data.buffer : new Blob([data]);
        }
        this.dispatchEvent(new DispatchedMessageEvent("message", { data, origin: this.#origin ?? "" }));
      },
      onClosing: () => {
        if (this.#readyState === OPEN) this.#readyState = CLOSING;
      },
      onClose: ({ code, reason, wasClean, error }) => {
        this.#readyState = CLOSED;
        this.#queue = null;
        this.#queued = 0;
        if (error) this.dispatchEvent(new ErrorEvent("error", { message: error.message, error }));
        this.dispatchEvent(new CloseEvent("close", { code, reason, wasClean }));
      },
      wantsMore: () => true,
    };
  }

  get url() {
    return this.#url;
  }
  get readyState() {
    return this.#readyState;
  }
  get protocol() {
    return this.#protocol;
  }
  get extensions() {
    return this.#extensions;
  }
  /** Bytes passed to send() and not yet written to the socket. */
  get bufferedAmount() {
    return this.#session.bufferedAmount + this.#queued + this.#discarded;
  }
  get binaryType() {
    return this.#binaryType;
  }
  set binaryType(v) {
    if (v === "blob" || v === "arraybuffer") this.#binaryType = v;
  }
  /** hybi: the server's handshake answer, `{ status, headers }`, once open (null before). */
  get response() {
    return this.#response;
  }

  /** @param {string | ArrayBuffer | ArrayBufferView | Blob} data */
  send(data) {
    if (this.#readyState === CONNECTING) {
      throw new DOMException("send() was called while the connection is still opening", "InvalidStateError");
    }
    if (arguments.length === 0) throw new TypeError("send() needs one argument");
    const item = toItem(data);
    if (this.#readyState !== OPEN) {
      this.#discarded += item.size;
      return;
    }
    if (this.#queue || item.blob) {
      this.#enqueue(item);
      return;
    }
    this.#sendNow(item);
  }

  #sendNow(item) {
    const s = this.#session;
    try {
      if (item.text !== undefined) s.sendText(item.text);
      else s.sendBinary(item.bytes);
    } catch (e) {
      // The core refuses only when a Close was already sent: the WHATWG way is to count the bytes and drop them.
      if (HybiError.from(e).kind === "Closed") this.#discarded += item.size;
      else throw HybiError.from(e);
    }
  }

  #enqueue(item) {
    if (!this.#queue) this.#queue = [];
    this.#queue.push(item);
    this.#queued += item.size;
    if (this.#queue.length === 1) this.#drain();
  }

  async #drain() {
    const q = this.#queue;
    while (q && q.length > 0 && this.#queue === q) {
      const item = q[0];
      if (item.blob) {
        try {
          item.bytes = new Uint8Array(await item.blob.arrayBuffer());
        } catch (e) {
          item.bytes = null;
          if (this.#queue === q) {
            this.#session.fail(
              new HybiError(`a Blob passed to send() could not be read: ${e?.message ?? e}`, { kind: "BlobRead", cause: e }),
              { code: 1011, reason: "could not read a Blob" },
            );
          }
          return;
        }
        item.blob = null;
      }
      if (this.#queue !== q) return;
      q.shift();
      this.#queued -= item.size;
      if (item.close) {
        this.#session.close(item.code, item.reason);
      } else if (this.#readyState === OPEN || (this.#readyState === CLOSING && !this.#session.conn?.closeSent)) {
        this.#sendNow(item);
      } else {
        this.#discarded += item.size;
      }
    }
    if (this.#queue === q) this.#queue = null;
  }

  /**
   * @param {number} [code] 1000 or 3000–4999
   * @param {string} [reason] at most 123 bytes of UTF-8
   */
  close(code, reason) {
    const args = checkCloseArgs(code, reason, { server: this.#server });
    if (this.#readyState === CLOSING || this.#readyState === CLOSED) return;
    if (this.#readyState === CONNECTING) {
      this.#readyState = CLOSING;
      this.#session.close(0, "");
      return;
    }
    this.#readyState = CLOSING;
    if (this.#queue) {
      // Blobs are still being read: the Close goes after them, as send order says.
      this.#queue.push({ close: true, code: args.code, reason: args.reason, size: 0 });
      return;
    }
    this.#session.close(args.code, args.reason);
  }

  /**
   * hybi: sends a Ping; resolves (with the round-trip time in ms) when the matching Pong arrives. A Pong
   * answers every earlier pending ping too; pending pings reject when the connection closes.
   * @param {string | ArrayBuffer | ArrayBufferView} [data] at most 125 bytes
   * @returns {Promise<number>}
   */
  ping(data) {
    if (this.#readyState !== OPEN) {
      return Promise.reject(new DOMException("ping() needs an open connection", "InvalidStateError"));
    }
    return this.#session.ping(data);
  }

  /** Internal (server shutdown): ends the connection now, without a closing handshake. */
  [kTerminate]() {
    this.#session.terminate();
  }

  get onopen() {
    return this.#handlers.open;
  }
  set onopen(f) {
    this.#setHandler("open", f);
  }
  get onmessage() {
    return this.#handlers.message;
  }
  set onmessage(f) {
    this.#setHandler("message", f);
  }
  get onerror() {
    return this.#handlers.error;
  }
  set onerror(f) {
    this.#setHandler("error", f);
  }
  get onclose() {
    return this.#handlers.close;
  }
  set onclose(f) {
    this.#setHandler("close", f);
  }

  #registered = new Set();
  #setHandler(type, f) {
    this.#handlers[type] = typeof f === "function" || (f && typeof f === "object") ? f : null;
    if (this.#handlers[type] && !this.#registered.has(type) && !NATIVE_ON_HANDLERS) {
      // Registered once, at the position of the first assignment (HTML's event handler semantics).
      this.#registered.add(type);
      this.addEventListener(type, (ev) => {
        const h = this.#handlers[type];
        if (typeof h === "function") return h.call(this, ev);
      });
    }
  }

  get [Symbol.toStringTag]() {
    return "WebSocket";
  }
}

for (const [k, v] of Object.entries({ CONNECTING, OPEN, CLOSING, CLOSED })) {
  Object.defineProperty(WebSocket.prototype, k, { value: v, enumerable: true });
}

function toItem(data) {
  if (typeof data === "string") return { text: data, size: utf8Length(data) };
  if (data instanceof ArrayBuffer) return { bytes: new Uint8Array(data), size: data.byteLength };
  if (ArrayBuffer.isView(data)) {
    return { bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), size: data.byteLength };
  }
  if (typeof Blob === "function" && data instanceof Blob) return { blob: data, size: data.size };
  if (typeof SharedArrayBuffer === "function" && data instanceof SharedArrayBuffer) {
    return { bytes: new Uint8Array(data), size: data.byteLength };
  }
  const text = String(data); // WebIDL: anything else is converted to a string
  return { text, size: utf8Length(text) };
}
