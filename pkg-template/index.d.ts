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
   * permessage-deflate (RFC 7692): `true` (the defaults), `false`, or options. On by default for clients (as
   * browsers and `ws` do); the negotiated value shows in `extensions`. An answer the client did not offer or cannot
   * honour fails the connection (error kind "UnexpectedExtension", then close 1006).
   */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /**
   * While more than this many bytes wait to be written (`bufferedAmount`), hybi stops reading from the socket, so a
   * peer that sends without reading what it provokes (echoes, Pongs) fills its own TCP buffers, not this process's
   * memory. 0 turns it off. Default: 1 MiB for server-side sockets, 0 for clients (the WHATWG behaviour).
   */
  highWaterMark?: number;
}

/** permessage-deflate settings (RFC 7692 §7.1); every field is optional. */
export interface PerMessageDeflateOptions {
  /** Compression level 0–9 (default 1: fast; 0 negotiates and inflates but never compresses). */
  level?: number;
  /** Messages shorter than this many bytes are sent uncompressed (default 128). */
  threshold?: number;
  /** Client: ask the server to reset its compressor after every message. Server: do so, and say so. */
  serverNoContextTakeover?: boolean;
  /** Client: reset our compressor after every message, and say so. Server: ask the client to. */
  clientNoContextTakeover?: boolean;
  /** Client: ask the server for at most this window (8–15). Server: use at most this window. */
  serverMaxWindowBits?: number;
  /**
   * Client: offer `client_max_window_bits` (15, the default: any value the server answers is honoured; 8–14: this
   * value; `null`: not offered). Server: ask the client for at most this window when its offer allows it.
   */
  clientMaxWindowBits?: number | null;
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
   * "PingTimeout", "ConnectionLost", "ProxyRefused", "ProxyFailed", "NoSockets", "Closed", "UnexpectedExtension".
   * Server side: the core's request errors ("MethodNotAllowed", "UnsupportedVersion", "HeadTooLarge", "BadHeader" …),
   * "OriginNotAllowed", "Refused" (by the hook), "HandshakeHookFailed", "HandshakeTimeout", "ConnectionClosed",
   * "ServerClosed".
   */
  readonly kind: string;
  /** The Close code hybi sent when it failed the connection (1002, 1007, 1009, 1011 …). */
  readonly closeCode?: number;
  /** A refused handshake: the HTTP status (also the proxy's status for "ProxyRefused"; a server's answer). */
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
  /**
   * `code`: 1000 or 3000–4999 (else InvalidAccessError); a server-side socket may also use 1001–1003 and
   * 1007–1014. `reason`: at most 123 bytes of UTF-8 (else SyntaxError).
   */
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

// ---------------------------------------------------------------------------------------------------- server side

/** A client's opening handshake request, as the `handshake` hook and `onConnection` see it. */
export interface HybiRequest {
  method: string;
  /** The request target: path and query. */
  path: string;
  /** `ws://` (or `wss://` on a TLS socket) + the Host header + path. */
  url: string;
  host: string;
  headers: Headers;
  /** The Origin header (browsers send it), or null. */
  origin: string | null;
  /** The subprotocols offered, in the client's order. */
  protocols: string[];
  /** The raw Sec-WebSocket-Extensions values offered. */
  extensions: string[];
  remoteAddress: string | null;
  remotePort: number | null;
}

/** Accept (optionally choosing a subprotocol among those offered and adding response headers). */
export interface HandshakeAccept {
  /** Default: the first of the server's `protocols` the client offered; null for none. */
  protocol?: string | null;
  headers?: HeadersInit;
}

/** Refuse with an HTTP status (not 101), headers and a body. */
export interface HandshakeRefusal {
  status: number;
  headers?: HeadersInit;
  body?: string | ArrayBuffer | ArrayBufferView;
}

/** `undefined`/`true`: accept with the defaults; `false`: 403. */
export type HandshakeDecision = void | undefined | null | boolean | HandshakeAccept | HandshakeRefusal;

/** The server side's options: the socket options (server defaults) plus the opening handshake's. */
export interface AcceptOptions extends Omit<HybiOptions, "headers" | "origin" | "signal" | "tls" | "proxy" | "socket"> {
  /**
   * Called with every valid request (invalid ones are answered 400/405/426/431 without it, and a refused Origin
   * 403): accept, choose a subprotocol, add headers, or refuse. May be async (within `handshakeTimeout`). If it
   * throws, the client gets 500.
   */
  handshake?(request: HybiRequest): HandshakeDecision | Promise<HandshakeDecision>;
  /** Subprotocols the server speaks, in its order of preference (the default choice). */
  protocols?: string[];
  /**
   * Origins served (RFC 6455 §10.2), compared case-insensitively: others get 403. Requests without Origin
   * (non-browser clients) are allowed; a function decides everything itself.
   */
  allowedOrigins?: string[] | ((origin: string | null) => boolean);
  /** Headers added to every 101 answer. */
  headers?: HeadersInit;
  /** The largest request head in bytes (default 16384): more is answered 431. */
  maxHeadSize?: number;
  /** The most request header lines (default 64): more is answered 431. */
  maxHeaders?: number;
  /** Milliseconds for the whole opening handshake, hook included (default 10000); then the connection is dropped. */
  handshakeTimeout?: number;
  /** Off by default on the server (it costs ~350 KiB of wasm memory per connection once used, see the README). */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** true: resolve to a WebSocketStream-shaped socket instead of a WebSocket. */
  stream?: boolean;
}

/** What `accept()` takes: `{ readable, writable }` (optionally with its remote address), a Node `net.Socket` /
 *  `tls.TLSSocket`, a `Deno.Conn` (TCP or TLS), or a transport from `bunHandlers()`. */
export type AcceptConnection =
  | (HybiSocket & { remoteAddress?: string | null; remotePort?: number | null; secure?: boolean })
  | { on(event: string, listener: (...args: any[]) => void): unknown; write(...args: any[]): unknown; destroy(...args: any[]): unknown; pause(): unknown }
  | BunTransport;

/** Node's `IncomingMessage` as far as `handleUpgrade` reads it. */
export interface UpgradeRequest {
  method?: string;
  url?: string;
  httpVersionMajor: number;
  httpVersionMinor: number;
  rawHeaders: string[];
}

export interface ServerOpenInfo {
  readable: ReadableStream<string | Uint8Array>;
  writable: WritableStream<string | ArrayBufferLike | ArrayBufferView | Blob>;
  protocol: string;
  extensions: string;
  request: HybiRequest;
}

/** The server-side socket of `stream: true`: WebSocketStream's shape, already open. */
export interface ServerWebSocketStream {
  readonly url: string;
  readonly opened: Promise<ServerOpenInfo>;
  readonly closed: Promise<{ closeCode: number; reason: string }>;
  /** A server may also close with 1001, 1008 and 1011–1014. */
  close(closeInfo?: WebSocketCloseInfo): void;
  ping(data?: string | ArrayBufferLike | ArrayBufferView): Promise<number>;
}

type ServerSocketOf<S extends boolean> = S extends true ? ServerWebSocketStream : WebSocket;

/**
 * Accepts a WebSocket connection on an accepted socket. Resolves to an open server-side `WebSocket` (whose
 * `close()` also takes 1001, 1008 and 1011–1014) or, with `stream: true`, a WebSocketStream-shaped socket. Rejects
 * with a `HybiError` (with `status` when the client got an HTTP answer) once the client was answered or dropped.
 * Attach handlers right away (after `await` is fine): messages start a macrotask later.
 */
export function accept(conn: AcceptConnection, options?: AcceptOptions & { stream?: false }): Promise<WebSocket>;
export function accept(conn: AcceptConnection, options: AcceptOptions & { stream: true }): Promise<ServerWebSocketStream>;

/** For Node `http`/`https` servers: `server.on("upgrade", (req, socket, head) => handleUpgrade(req, socket, head))`. */
export function handleUpgrade(req: UpgradeRequest, socket: unknown, head: Uint8Array, options?: AcceptOptions & { stream?: false }): Promise<WebSocket>;
export function handleUpgrade(req: UpgradeRequest, socket: unknown, head: Uint8Array, options: AcceptOptions & { stream: true }): Promise<ServerWebSocketStream>;

export interface WebSocketServerOptions<S extends boolean = false> extends AcceptOptions {
  stream?: S;
  /** Every accepted connection (from listen(), accept() or handleUpgrade()). */
  onConnection?(socket: ServerSocketOf<S>, request: HybiRequest): void;
  /** Every failed or refused handshake (a HybiError: `kind`, and `status` when the client got an HTTP answer). */
  onError?(error: HybiError): void;
}

/**
 * A WebSocket server: accepts connections from its own listener (`listen()`: Node, Deno, Bun) or handed to
 * `accept()` / `handleUpgrade()`, tracks them in `clients`, and shuts down gracefully with `close()`.
 */
export class WebSocketServer<S extends boolean = false> {
  constructor(options?: WebSocketServerOptions<S>);
  /** The open connections. */
  readonly clients: ReadonlySet<ServerSocketOf<S>>;
  /** `{ hostname, port }` once listening, else null. */
  readonly address: { hostname: string; port: number } | null;
  /** As `accept()`; per-call options override the server's. Also reported to onConnection / onError. */
  accept(conn: AcceptConnection, options?: AcceptOptions): Promise<ServerSocketOf<S>>;
  /** As `handleUpgrade()`, tracked. */
  handleUpgrade(req: UpgradeRequest, socket: unknown, head: Uint8Array, options?: AcceptOptions): Promise<ServerSocketOf<S>>;
  /** Listens with the runtime's sockets (Node `net`, `Deno.listen`, `Bun.listen`); hostname defaults to "0.0.0.0", port to 0 (any). */
  listen(options?: { port?: number; hostname?: string; backlog?: number }): Promise<{ hostname: string; port: number }>;
  /**
   * Stops listening, drops handshakes in progress, sends a Close (default 1001) to every connection, waits up to
   * `timeout` ms (default 5000) for their closing handshakes, then closes the rest without one.
   */
  close(options?: { code?: number; reason?: string; timeout?: number }): Promise<{ closed: number; terminated: number }>;
}

/** A connection from `bunHandlers()`: what `accept()` takes. Opaque: hybi reads and writes the socket itself. */
export interface BunTransport {
  readonly remoteAddress: string | null;
  readonly remotePort: number | null;
  readonly secure: boolean;
  readonly direct: unknown;
}

/**
 * Bun: the `socket` handler object for `Bun.listen` (Bun's sockets are not streams): each accepted socket becomes a
 * transport for `accept()`; partial writes wait for `drain`, reading pauses under backpressure.
 * `Bun.listen({ hostname, port, socket: bunHandlers((conn) => accept(conn).then(…)) })`
 */
export function bunHandlers(onTransport: (conn: BunTransport, socket: unknown) => void): {
  open(socket: any): void;
  data(socket: any, data: Uint8Array): void;
  drain(socket: any): void;
  end(socket: any): void;
  close(socket: any, error?: unknown): void;
  error(socket: any, error: unknown): void;
};

/**
 * Only in the `default` entry (runtimes without a dedicated one): loads the wasm from a WebAssembly.Module, its
 * bytes, or a URL/Request/Response to fetch. Call it before anything else; again is a no-op.
 */
export function init(input: WebAssembly.Module | BufferSource | URL | string | Request | Response): Promise<void>;
