// Row 5 in workerd (bundled with esbuild's `workerd` condition, run by miniflare): GET /?url=…&config=… runs the
// echo matrix with hybi's WebSocket and workerd's native WebSocket (the WebSocket constructor, or a fetch Upgrade
// when the constructor is not available) and answers the same JSON as echo-cli.mjs.
import { WebSocket as HybiWebSocket } from "hybi";
import { alternate } from "./stats.mjs";
import { echoMatrix } from "./echo-core.mjs";

/** workerd's own client WebSocket, wrapped as a WHATWG-like object (open event after accept). */
function nativeViaFetch(url) {
  const target = { binaryType: "arraybuffer", readyState: 0, onopen: null, onmessage: null, onclose: null, onerror: null };
  const httpUrl = url.replace(/^ws/, "http");
  fetch(httpUrl, { headers: { Upgrade: "websocket" } }).then(
    (resp) => {
      const ws = resp.webSocket;
      if (!ws) throw new Error(`no WebSocket in the answer (${resp.status})`);
      ws.accept();
      target.send = (d) => ws.send(d);
      target.close = (c, r) => ws.close(c, r);
      ws.addEventListener("message", (e) => target.onmessage?.(e));
      ws.addEventListener("close", (e) => {
        target.readyState = 3;
        target.onclose?.(e);
      });
      ws.addEventListener("error", (e) => target.onerror?.(e));
      target.readyState = 1;
      target.onopen?.({});
    },
    (e) => target.onerror?.({ message: String(e) }),
  );
  return target;
}

export default {
  async fetch(request) {
    const u = new URL(request.url);
    const url = u.searchParams.get("url");
    const config = JSON.parse(u.searchParams.get("config"));
    let native = "workerd WebSocket";
    const clients = { hybi: (x) => new HybiWebSocket(x) };
    if (config.nativeMode === "fetch") {
      native = "workerd WebSocket (fetch Upgrade)";
      clients[native] = nativeViaFetch;
    } else {
      clients[native] = (x) => new globalThis.WebSocket(x);
    }
    // `only`: one client alone (bench/js/profile-workerd.mjs).
    if (config.only) for (const k of Object.keys(clients)) if (k !== config.only) delete clients[k];
    try {
      const results = await echoMatrix(clients, url, config.cells, config, alternate);
      return Response.json({ ok: true, runtime: "workerd", version: "", results });
    } catch (e) {
      return Response.json({ ok: false, runtime: "workerd", error: String(e?.stack ?? e) });
    }
  },
};
