// The internal path under accept(): a server-side WebSocket built by hand from an accepted socket + a server
// WasmConnection + leftover bytes, talked to with the hybi client. Checks server close codes (1001 …) and that the
// server closes TCP first (RFC 6455 §7.1.1). The public server API is in server.test.mjs.
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { client, withTimeout } from "./helpers/client.mjs";

// Internal modules of the installed package (not part of its exports), and its unbundled node entry, which uses
// the same module instances ("hybi" itself resolves to dist/hybi.node.js, a bundle with copies of its own).
const pkg = new URL("../node_modules/hybi/", import.meta.url);
const { WebSocket } = await import(new URL("hybi.node.js", pkg));
const glue = await import(new URL("hybi.js", pkg));
const { kServer } = await import(new URL("lib/internal.js", pkg));
const { fromNodeSocket } = await import(new URL("lib/dial-node.js", pkg));

async function server(onSocket) {
  const srv = net.createServer({ allowHalfOpen: true }, (sock) => {
    let buf = Buffer.alloc(0);
    const onData = (d) => {
      buf = Buffer.concat([buf, d]);
      const req = glue.parseRequest(buf, 0, 0);
      if (!req) return;
      sock.off("data", onData);
      sock.pause();
      const protocol = req.protocols.includes("chat") ? "chat" : undefined;
      sock.write(glue.buildResponse(req.key, protocol, undefined, [["X-Server", "hybi"]]));
      const conn = new glue.WasmConnection(true, 0, 0, 0, true, 0);
      const ws = new WebSocket(kServer, {
        transport: fromNodeSocket(sock),
        conn,
        leftover: new Uint8Array(buf.subarray(req.headLength)),
        protocol: protocol ?? "",
        url: `ws://127.0.0.1${req.path}`,
      });
      onSocket(ws, sock);
    };
    sock.on("data", onData);
  });
  await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  return { url: `ws://127.0.0.1:${srv.address().port}/srv`, close: () => new Promise((r) => srv.close(r)) };
}

test("a server-side WebSocket: echo, server close with 1001, protocol", async () => {
  let serverWs;
  const srv = await server((ws) => {
    serverWs = ws;
    ws.binaryType = "arraybuffer";
    ws.onmessage = (e) => (e.data === "go away" ? ws.close(1001, "going away") : ws.send(e.data));
  });
  try {
    const c = client(srv.url, ["chat"]);
    await c.opened;
    assert.equal(c.ws.protocol, "chat");
    assert.equal(c.ws.response.headers.get("x-server"), "hybi");
    assert.equal(serverWs.readyState, WebSocket.OPEN);
    assert.equal(serverWs.protocol, "chat");
    c.ws.send("hi");
    c.ws.send(new Uint8Array(100000).fill(7));
    assert.equal(await c.next(), "hi");
    assert.equal((await c.next()).byteLength, 100000);
    assert.throws(() => serverWs.close(1005), { name: "InvalidAccessError" });
    const serverClosed = new Promise((r) => serverWs.addEventListener("close", (e) => r(e)));
    c.ws.send("go away");
    const r = await c.closed;
    assert.deepEqual([r.code, r.reason, r.wasClean], [1001, "going away", true]);
    const s = await withTimeout(serverClosed, 3000, "server close");
    assert.deepEqual([s.code, s.wasClean], [1001, true]);
  } finally {
    await srv.close();
  }
});

test("a server-side WebSocket closes TCP first once the client's Close is answered", async () => {
  let serverClosed;
  const srv = await server((ws) => {
    serverClosed = new Promise((r) => ws.addEventListener("close", (e) => r(e)));
  });
  try {
    const c = client(srv.url, undefined, { closeTimeout: 4000 });
    await c.opened;
    const t0 = Date.now();
    c.ws.close(4000, "client done");
    const r = await c.closed;
    assert.ok(Date.now() - t0 < 1500, "the client did not have to wait for its closeTimeout");
    assert.deepEqual([r.code, r.wasClean], [4000, true]);
    const s = await withTimeout(serverClosed, 3000, "server close");
    assert.deepEqual([s.code, s.reason, s.wasClean], [4000, "client done", true]);
  } finally {
    await srv.close();
  }
});
