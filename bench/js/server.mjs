// Row 6: an echo server in Node, driven by the native load generator. `node server.mjs hybi|ws` → prints
// `listening PORT`, serves 127.0.0.1 until killed.
//   hybi: hybi's WebSocketServer (node:net underneath), perMessageDeflate off, as its users would run it.
//   ws:   ws's WebSocketServer, perMessageDeflate off (the load generator offers no extension anyway).
// Both echo every message back as they receive it (hybi with binaryType "arraybuffer", ws with its default
// nodebuffer: each as its users would run it).

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
} else if (which === "ws") {
  const { WebSocketServer } = await import("ws");
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false }, () =>
    console.log(`listening ${wss.address().port}`),
  );
  wss.on("connection", (ws) => {
    ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on("error", () => {});
  });
} else {
  console.error("usage: server.mjs hybi|ws");
  process.exit(2);
}
