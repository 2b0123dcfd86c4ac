// The workerd test worker (bundled with esbuild's `workerd` condition, run by miniflare).
import { runEcho } from "./echo-core.mjs";

export default {
  async fetch(request) {
    const u = new URL(request.url);
    try {
      const res = await runEcho({
        base: u.searchParams.get("base"),
        tlsBase: u.searchParams.get("tls") ?? "",
        ca: "",
        proxy: u.searchParams.get("proxy") ?? "",
      });
      return Response.json(res);
    } catch (e) {
      return Response.json({ ok: false, error: String(e?.stack ?? e) });
    }
  },
};
