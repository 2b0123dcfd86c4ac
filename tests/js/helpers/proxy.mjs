// A tiny HTTP CONNECT proxy on 127.0.0.1 that records every tunnel it opened. Only 127.0.0.1 targets are allowed.
import http from "node:http";
import net from "node:net";

export async function startProxy({ requireAuth } = {}) {
  const tunnels = [];
  const sockets = new Set();
  const track = (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  };
  const server = http.createServer((req, res) => res.writeHead(405).end());
  server.on("connect", (req, client, head) => {
    track(client);
    if (requireAuth && req.headers["proxy-authorization"] !== requireAuth) {
      client.end("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    const [host, port] = req.url.split(/:(?=\d+$)/);
    if (host !== "127.0.0.1" && host !== "localhost") {
      client.end("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    tunnels.push({ target: req.url, auth: req.headers["proxy-authorization"] ?? null });
    const upstream = net.connect(Number(port), "127.0.0.1", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    track(upstream);
    const kill = () => {
      upstream.destroy();
      client.destroy();
    };
    upstream.on("error", kill);
    client.on("error", kill);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    port: server.address().port,
    tunnels,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections?.();
        server.close(() => r());
      }),
  };
}
