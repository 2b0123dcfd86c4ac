// Error types. Every error hybi raises is an Error subclass (DOMException is one too).

/** Why hybi failed or refused a connection: `kind` names the rule or the cause, `closeCode` the Close sent. */
export class HybiError extends Error {
  constructor(message, init = {}) {
    super(message, init.cause !== undefined ? { cause: init.cause } : undefined);
    this.name = "HybiError";
    /** The rule broken or the cause ("ReservedOpcode", "InvalidUtf8", "Rejected", "HandshakeTimeout", …). */
    this.kind = init.kind ?? "Error";
    /** The close code hybi sent when it failed the connection (1002, 1007, 1009, 1011 …), if any. */
    if (init.closeCode !== undefined) this.closeCode = init.closeCode;
    /** For a refused handshake: the HTTP status, headers and the start of the body. */
    if (init.status !== undefined) this.status = init.status;
    if (init.headers !== undefined) this.headers = init.headers;
    if (init.body !== undefined) this.body = init.body;
  }

  /** Turns what the wasm core (or anything else) threw into a HybiError. */
  static from(e, kind = "Error") {
    if (e instanceof HybiError) return e;
    if (e && e.name === "HybiError") {
      return new HybiError(e.message, {
        kind: e.kind || kind,
        closeCode: e.closeCode,
        status: e.status,
        headers: e.headers ? toHeaders(e.headers) : undefined,
        body: e.body,
      });
    }
    const msg = e && typeof e.message === "string" ? e.message : String(e);
    return new HybiError(msg, { kind, cause: e });
  }
}

/**
 * Defines `obj.headers` as the Headers of `pairs`, built on first read. In Node the first `new Headers()` loads
 * undici (about 25 ms of a cold start), a price only programs that look at the headers should pay.
 */
export function lazyHeaders(obj, pairs) {
  let h = null;
  return Object.defineProperty(obj, "headers", {
    get: () => (h ??= toHeaders(pairs)),
    enumerable: true,
    configurable: true,
  });
}

/** `[[name, value], …]` → Headers (combining repeated names as HTTP does). */
export function toHeaders(pairs) {
  const h = new Headers();
  for (const [n, v] of pairs) {
    try {
      h.append(n, v);
    } catch {
      // a value Headers refuses (e.g. non-Latin-1 after decoding): keep the rest
    }
  }
  return h;
}

const encoder = new TextEncoder();

/** UTF-8 length of a string without allocating for ASCII-only strings. */
export function utf8Length(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3; // BMP, or a lone surrogate sent as U+FFFD
  }
  return n;
}

export function utf8(s) {
  return encoder.encode(s);
}

/** WHATWG close() argument checks; returns the code to send (0: a Close without a status). */
export function checkCloseArgs(code, reason, { server = false } = {}) {
  if (code !== undefined && code !== null) {
    code = Number(code);
    if (!Number.isInteger(code)) code = Math.trunc(code) || 0;
    const ok = server
      ? (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999)
      : code === 1000 || (code >= 3000 && code <= 4999);
    if (!ok) {
      throw new DOMException(
        `close code ${code} is not allowed (${server ? "1000–1003, 1007–1014 or 3000–4999" : "1000 or 3000–4999"})`,
        "InvalidAccessError",
      );
    }
  }
  reason = reason === undefined || reason === null ? "" : String(reason);
  if (reason && utf8Length(reason) > 123) {
    throw new DOMException(`close reason is ${utf8Length(reason)} bytes of UTF-8 (at most 123)`, "SyntaxError");
  }
  if ((code === undefined || code === null) && reason) code = 1000;
  return { code: code ?? 0, reason };
}

/** WebSocketError (WHATWG WebSockets, WebSocketStream): a DOMException with `closeCode` and `reason`. */
export class WebSocketError extends DOMException {
  #closeCode;
  #reason;
  constructor(message = "", init = {}) {
    super(message, "WebSocketError");
    let { closeCode, reason } = init ?? {};
    const checked = closeCode === undefined && !reason ? { code: null, reason: "" } : checkCloseArgs(closeCode, reason);
    this.#closeCode = checked.code || null;
    this.#reason = checked.reason;
  }
  get closeCode() {
    return this.#closeCode;
  }
  get reason() {
    return this.#reason;
  }
  /** @internal: a WebSocketError for a connection that closed uncleanly (code 1006 is not settable by users). */
  static _unclean(message, cause, closeCode = 1006, reason = "") {
    const e = new WebSocketError(message);
    e.#closeCode = closeCode;
    e.#reason = reason;
    if (cause !== undefined) Object.defineProperty(e, "cause", { value: cause, configurable: true, writable: true });
    return e;
  }
}
