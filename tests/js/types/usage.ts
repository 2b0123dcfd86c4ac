// Type-checked with `deno check` against the installed package's declarations (index.d.ts, codec.d.ts).
import { accept, bunHandlers, CloseEvent, handleUpgrade, HybiError, WebSocket, WebSocketError, WebSocketServer, WebSocketStream } from "hybi";
import type { HybiRequest, ServerWebSocketStream } from "hybi";
import { acceptKey, mask } from "hybi/codec";

const ws = new WebSocket("wss://example.test/chat", ["chat"], {
  headers: { Authorization: "Bearer x" },
  tls: { ca: "-----BEGIN CERTIFICATE-----" },
  pingInterval: 30_000,
  proxy: "http://127.0.0.1:3128",
  perMessageDeflate: { clientNoContextTakeover: true, clientMaxWindowBits: null },
  socket: async ({ hostname, port }) => ({ readable: new ReadableStream<Uint8Array>(), writable: new WritableStream<Uint8Array>(), close: () => void [hostname, port] }),
});
const ws2 = new WebSocket(new URL("ws://example.test"), { protocols: "x", handshakeTimeout: 1000 });
ws.binaryType = "arraybuffer";
ws.onmessage = (e) => void (typeof e.data === "string" ? e.data.length : (e.data as ArrayBuffer).byteLength);
ws.onerror = (e) => {
  const err: unknown = e.error;
  if (err instanceof HybiError) void [err.kind, err.closeCode, err.status, err.headers?.get("x"), err.body?.byteLength];
};
ws.addEventListener("close", (e: CloseEvent) => void [e.code, e.reason, e.wasClean]);
ws.onopen = async () => {
  const status: number | undefined = ws.response?.status;
  const rtt: number = await ws.ping("hi");
  ws.send(new Uint8Array(1));
  ws.send(new Blob(["x"]));
  ws.close(1000, "bye");
  void [status, rtt, ws.bufferedAmount, ws.readyState === WebSocket.OPEN, ws2.url];
};

const wss = new WebSocketStream("ws://example.test", { protocols: ["a"], signal: AbortSignal.timeout(1000), maxMessageSize: 1 << 20 });
const { readable, writable, protocol, response } = await wss.opened;
for await (const m of readable) void (typeof m === "string" ? m : m.byteLength);
await writable.getWriter().write("x");
wss.close({ closeCode: 4000, reason: "r" });
const { closeCode, reason } = await wss.closed;
const e = new WebSocketError("m", { closeCode: 1000 });
const key: string = acceptKey("dGhlIHNhbXBsZSBub25jZQ==");
const masked: Uint8Array = mask(new Uint8Array(4), [1, 2, 3, 4], 0);
void [protocol, response.headers, closeCode, reason, e.closeCode, key, masked];

// the server side
const server = new WebSocketServer({
  protocols: ["chat"],
  allowedOrigins: ["https://example.test"],
  perMessageDeflate: true,
  handshake: async (request: HybiRequest) =>
    request.headers.get("authorization") ? { protocol: request.protocols[0] ?? null, headers: { "X-Id": "1" } } : { status: 401, body: "no" },
  onConnection(socket, request) {
    socket.onmessage = (ev) => socket.send(ev.data);
    socket.close(1001, "going away");
    void [request.path, request.remoteAddress, socket.extensions];
  },
  onError: (err) => void [err.kind, err.status],
});
const { port } = await server.listen({ hostname: "127.0.0.1", port: 0 });
for (const client of server.clients) client.close(1013);
const { closed: cleanly, terminated } = await server.close({ timeout: 1000 });
const streams = new WebSocketServer({ stream: true, onConnection: async (s: ServerWebSocketStream) => void (await s.opened).request.url });
const pair = { readable: new ReadableStream<Uint8Array>(), writable: new WritableStream<Uint8Array>(), remoteAddress: "127.0.0.1" };
const sws: WebSocket = await accept(pair, { handshakeTimeout: 5000, maxHeadSize: 8192 });
const sst: ServerWebSocketStream = await accept(pair, { stream: true });
const up: WebSocket = await handleUpgrade({ method: "GET", url: "/", httpVersionMajor: 1, httpVersionMinor: 1, rawHeaders: [] }, {}, new Uint8Array());
const handlers = bunHandlers((conn) => void accept(conn));
void [port, cleanly, terminated, streams.address, sws.protocol, sst.url, up.url, handlers.open];
