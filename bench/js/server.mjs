// Row 6: an echo server in Node, driven by the native load generator. `node server.mjs hybi|ws` → prints
// `listening PORT`, serves 127.0.0.1 until killed.
//   hybi: the accept path the package has today (internal, as tests/js/server-shape.test.mjs uses it): node:net,
//         the wasm handshake (parseRequest/buildResponse), a server WasmConnection, WebSocket(kServer, …).
//   ws:   ws's WebSocketServer, perMessageDeflate off (the load generator offers no extension anyway).
// Both echo every message back as they receive it (hybi with binaryType "arraybuffer", ws with its default
// nodebuffer: each as its users would run it).
import net from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const which = process.argv[2];
if (which === "hybi") {
  const { WebSocket } = await import("hybi");
  const pkg = process.env.HYBI_PKG;
  const glue = await import(pathToFileURL(join(pkg, "hybi.js")).href);
  const { kServer } = await import(pathToFileURL(join(pkg, "lib/internal.js")).href);
  const { fromNodeSocket } = await import(pathToFileURL(join(pkg, "lib/dial-node.js")).href);
  const srv = net.createServer({ allowHalfOpen: true }, (sock) => {
    let buf = Buffer.alloc(0);
    const onData = (d) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      let req;
      try {
        req = glue.parseRequest(buf, 0, 0);
      } catch {
        sock.destroy();
        return;
      }
      if (!req) return;
      sock.off("data", onData);
      sock.pause();
      sock.write(glue.buildResponse(req.key, undefined, undefined, []));
      const conn = new glue.WasmConnection(true, 0, 0, 0, true, 0);
      const ws = new WebSocket(kServer, {
        transport: fromNodeSocket(sock),
        conn,
        leftover: new Uint8Array(buf.subarray(req.headLength)),
        protocol: "",
        url: `ws://127.0.0.1${req.path}`,
      });
      ws.binaryType = "arraybuffer";
      ws.onmessage = (e) => ws.send(e.data);
      ws.onerror = () => {};
    };
    sock.on("data", onData);
    sock.on("error", () => {});
  });
  srv.listen(0, "127.0.0.1", () => console.log(`listening ${srv.address().port}`));
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
