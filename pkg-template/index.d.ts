// Types for the `hybi` package (every runtime's entry exports the same API).

/** What to connect through instead of the runtime's own sockets: an open byte stream pair. */
export interface HybiSocket {
  readable: ReadableStream<Uint8Array>;
  /** `close()` on it should half-close (send FIN) when the transport can. */
  writable: WritableStream<Uint8Array>;
  /** Closes the transport; `abrupt` is true when the connection failed. Optional. */
  close?(abrupt?: boolean): void | Promise<void>;
}

/** Where hybi would have connected, handed to an `options.socket` function. */
export interface HybiSocketTarget {
  hostname: string;
  port: number;
  tls: boolean;
  tlsOptions?: HybiTlsOptions;
  signal: AbortSignal;
}

/** TLS options; what each runtime honours is noted per field. */
export interface HybiTlsOptions {
  /** Extra trusted CA certificate(s), PEM (Node, Bun, Deno). workerd trusts only public CAs (miniflare: NODE_EXTRA_CA_CERTS). */
  ca?: string | string[];
  /** The name to send as SNI and to check the certificate against (default: the URL's host name). */
  servername?: string;
  /** Node and Bun: `false` accepts any certificate. Never do this outside tests. */
  rejectUnauthorized?: boolean;
  /** Node: anything else `tls.connect` takes (cert, key, minVersion …). */
  [option: string]: unknown;
}

export interface HybiProxyOptions {
  /** `http://[user:password@]host:port` of a proxy that supports CONNECT. */
  url: string | URL;
  /** Extra headers for the CONNECT request. */
  headers?: HeadersInit;
}

/** hybi's options, for both `WebSocket` and `WebSocketStream`. */
export interface HybiOptions {
  /** Headers for the opening handshake (cookies, authorization …). `Sec-WebSocket-*`, `Upgrade`, `Connection` and `Host` are refused (TypeError). */
  headers?: HeadersInit;
  /** The `Origin` header (not sent unless given). */
  origin?: string;
  /** The largest message accepted, in bytes (default 64 MiB); larger fails the connection with 1009. */
  maxMessageSize?: number;
  /** The largest frame payload accepted, in bytes (default 16 MiB); larger fails the connection with 1009. */
  maxFrameSize?: number;
  /** Send messages in frames of at most this many payload bytes (default 0: one frame per message). */
  fragmentSize?: number;
  /** Milliseconds for connecting plus the opening handshake (default 30000). */
  handshakeTimeout?: number;
  /** Milliseconds to wait for the closing handshake and for the server to close TCP after it (default 5000). */
  closeTimeout?: number;
  /** Send a keepalive Ping every this many milliseconds (default 0: off); no Pong in time fails the connection (1011). */
  pingInterval?: number;
  /** Milliseconds to wait for a keepalive Pong (default: pingInterval). */
  pingTimeout?: number;
  /** Aborting while connecting fails the connection (error, then close 1006). */
  signal?: AbortSignal;
  /** TLS options for `wss://`. */
  tls?: HybiTlsOptions;
  /** An `http://` proxy reached with CONNECT (Node, Bun, Deno, workerd). */
  proxy?: string | URL | HybiProxyOptions;
  /** Use this transport instead of the runtime's sockets (any runtime, browsers included). */
  socket?: HybiSocket | ((target: HybiSocketTarget) => HybiSocket | Promise<HybiSocket>);
  /**
   * permessage-deflate (RFC 7692). Accepted but NOT YET ACTIVE: the wasm API does not negotiate it yet, so no
   * extension is offered and messages are sent uncompressed.
   */
  perMessageDeflate?: boolean | object;
}

export interface WebSocketOptions extends HybiOptions {
  /** Subprotocols, when the options are passed as the second argument. */
  protocols?: string | string[];
}

/** The server's answer to the opening handshake. */
export interface HybiResponse {
  status: number;
  headers: Headers;
}

/** Why hybi failed or refused a connection. */
export class HybiError extends Error {
  readonly name: "HybiError";
  /**
   * The rule broken or the cause: a core error ("ReservedOpcode", "InvalidUtf8", "MessageTooLarge", "Rejected",
   * "InvalidAccept" …) or "ConnectFailed", "HandshakeTimeout", "HandshakeFailed", "ConnectionClosed", "Aborted",
   * "PingTimeout", "ConnectionLost", "ProxyRefused", "ProxyFailed", "NoSockets", "Closed".
   */
  readonly kind: string;
  /** The Close code hybi sent when it failed the connection (1002, 1007, 1009, 1011 …). */
  readonly closeCode?: number;
  /** A refused handshake: the HTTP status (also the proxy's status for "ProxyRefused"). */
  readonly status?: number;
  /** A refused handshake: the response headers. */
  readonly headers?: Headers;
  /** A refused handshake: the start of the body (at most 1 KiB). */
  readonly body?: Uint8Array;
  constructor(message: string, init?: { kind?: string; closeCode?: number; status?: number; headers?: Headers; body?: Uint8Array; cause?: unknown });
}

/** WHATWG `WebSocketError`: how a WebSocketStream reports an unclean close (`cause` holds hybi's error). */
export class WebSocketError extends DOMException {
  constructor(message?: string, init?: { closeCode?: number; reason?: string });
  readonly closeCode: number | null;
  readonly reason: string;
}

export interface CloseEventInit extends EventInit {
  code?: number;
  reason?: string;
  wasClean?: boolean;
}
export class CloseEvent extends Event {
  constructor(type: string, init?: CloseEventInit);
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}
export class MessageEvent<T = any> extends Event {
  constructor(type: string, init?: { data?: T; origin?: string } & EventInit);
  readonly data: T;
  readonly origin: string;
}
/** The `error` event: `error` is the HybiError naming the cause (and the close code hybi sent). */
export class ErrorEvent extends Event {
  constructor(type: string, init?: { message?: string; error?: unknown } & EventInit);
  readonly message: string;
  readonly error: any;
}

export interface WebSocketEventMap {
  open: Event;
  message: MessageEvent;
  error: ErrorEvent;
  close: CloseEvent;
}

/** The WHATWG WebSocket over raw TCP/TLS, plus hybi's options, `response` and `ping()`. */
export class WebSocket extends EventTarget {
  constructor(url: string | URL, protocols?: string | string[], options?: HybiOptions);
  constructor(url: string | URL, options?: WebSocketOptions);
  static readonly CONNECTING: 0;
  static readonly OPEN: 1;
  static readonly CLOSING: 2;
  static readonly CLOSED: 3;
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSING: 2;
  readonly CLOSED: 3;
  readonly url: string;
  readonly readyState: 0 | 1 | 2 | 3;
  readonly protocol: string;
  readonly extensions: string;
  /** Bytes passed to send() and not yet written to the socket. */
  readonly bufferedAmount: number;
  binaryType: "blob" | "arraybuffer";
  /** hybi: the server's handshake answer once open (null before). */
  readonly response: HybiResponse | null;
  send(data: string | ArrayBufferLike | ArrayBufferView | Blob): void;
  /** `code`: 1000 or 3000–4999 (else InvalidAccessError); `reason`: at most 123 bytes of UTF-8 (else SyntaxError). */
  close(code?: number, reason?: string): void;
  /** hybi: a Ping (≤ 125 bytes); resolves with the round-trip milliseconds when the matching Pong arrives. */
  ping(data?: string | ArrayBufferLike | ArrayBufferView): Promise<number>;
  onopen: ((this: WebSocket, ev: Event) => any) | null;
  onmessage: ((this: WebSocket, ev: MessageEvent) => any) | null;
  onerror: ((this: WebSocket, ev: ErrorEvent) => any) | null;
  onclose: ((this: WebSocket, ev: CloseEvent) => any) | null;
  addEventListener<K extends keyof WebSocketEventMap>(
    type: K,
    listener: (this: WebSocket, ev: WebSocketEventMap[K]) => any,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof WebSocketEventMap>(
    type: K,
    listener: (this: WebSocket, ev: WebSocketEventMap[K]) => any,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
}

export interface WebSocketStreamOptions extends HybiOptions {
  protocols?: string[];
  signal?: AbortSignal;
}

export interface WebSocketOpenInfo {
  readable: ReadableStream<string | Uint8Array>;
  writable: WritableStream<string | ArrayBufferLike | ArrayBufferView | Blob>;
  protocol: string;
  extensions: string;
  /** hybi: the server's handshake answer. */
  response: HybiResponse;
}

export interface WebSocketCloseInfo {
  closeCode?: number;
  reason?: string;
}

/** WHATWG WebSocketStream with real backpressure both ways. */
export class WebSocketStream {
  constructor(url: string | URL, options?: WebSocketStreamOptions);
  readonly url: string;
  readonly opened: Promise<WebSocketOpenInfo>;
  readonly closed: Promise<{ closeCode: number; reason: string }>;
  close(closeInfo?: WebSocketCloseInfo): void;
  /** hybi: a Ping; resolves with the round-trip milliseconds when the matching Pong arrives. */
  ping(data?: string | ArrayBufferLike | ArrayBufferView): Promise<number>;
}

/**
 * Only in the `default` entry (runtimes without a dedicated one): loads the wasm from a WebAssembly.Module, its
 * bytes, or a URL/Request/Response to fetch. Call it before anything else; again is a no-op.
 */
export function init(input: WebAssembly.Module | BufferSource | URL | string | Request | Response): Promise<void>;
