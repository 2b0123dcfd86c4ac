// Row 6: an echo server in Node, driven by the native load generator. `node server.mjs hybi|ws|ws-nodebuffer` →
// prints `listening PORT`, serves 127.0.0.1 until killed.
//   hybi:           hybi's WebSocketServer (node:net underneath), perMessageDeflate off.
//   ws:             ws's WebSocketServer, perMessageDeflate off (the load generator offers no extension anyway).
// Each echoes every message back as it receives it, with binaryType "arraybuffer" (the issue: equal settings on
// both sides; a WHATWG WebSocket has no nodebuffer). ws-nodebuffer is ws with its default binaryType, which hands
// out views of its reads, unmasked in place, where an ArrayBuffer is a copy: a row for understanding.

const which = process.argv[2];
if (which === "hybi") {
  const { WebSocketServer } = await import("hybi");
  const server = new WebSocketServer({
    perMessageDeflate: false,
    onConnection(ws) {
      ws.binaryType = "arraybuffer";
      ws.onmessage = (e) => ws.send(e.data);
      ws.onerror = () => {};
    },
  });
  const { port } = await server.listen({ hostname: "127.0.0.1", port: 0 });
  console.log(`listening ${port}`);
} else if (which === "ws" || which === "ws-nodebuffer") {
  const { WebSocketServer } = await import("ws");
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false }, () =>
    console.log(`listening ${wss.address().port}`),
  );
  wss.on("connection", (ws) => {
    if (which === "ws") ws.binaryType = "arraybuffer";
    ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on("error", () => {});
  });
} else {
  console.error("usage: server.mjs hybi|ws|ws-nodebuffer");
  process.exit(2);
}
