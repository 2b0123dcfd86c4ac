// Deno sockets: Deno.connect / Deno.connectTls (or startTls for a custom server name or through a proxy).
// `writable.close()` half-closes with conn.closeWrite() (closing Deno's own writable would close the whole socket).

import { HybiError } from "./errors.js";
import { tunnel } from "./proxy.js";
import { fromDenoConn } from "./transport-deno.js";

function caList(ca) {
  if (ca === undefined || ca === null) return undefined;
  return (Array.isArray(ca) ? ca : [ca]).map((c) => (typeof c === "string" ? c : new TextDecoder().decode(c)));
}

const wrap = fromDenoConn;

export async function dial({ hostname, port, tls, tlsOptions, proxy }) {
  const o = tlsOptions ?? {};
  const caCerts = caList(o.ca);
  const name = o.servername ?? hostname;
  if (proxy) {
    const raw = await Deno.connect({ hostname: proxy.hostname, port: proxy.port });
    try {
      const extra = await tunnel(
        {
          async read() {
            const b = new Uint8Array(16 * 1024);
            const n = await raw.read(b);
            return n === null ? null : b.subarray(0, n);
          },
          async write(bytes) {
            for (let off = 0; off < bytes.length; ) off += await raw.write(bytes.subarray(off));
          },
        },
        { hostname, port },
        proxy,
      );
      if (!tls) return wrap(raw, extra);
      if (extra.byteLength > 0) throw new HybiError("the proxy sent bytes before the TLS handshake", { kind: "ProxyFailed" });
      const conn = await Deno.startTls(raw, { hostname: name, caCerts });
      await conn.handshake();
      return wrap(conn);
    } catch (e) {
      try {
        raw.close();
      } catch {}
      throw e;
    }
  }
  if (!tls) return wrap(await Deno.connect({ hostname, port }));
  let conn;
  if (name !== hostname) conn = await Deno.startTls(await Deno.connect({ hostname, port }), { hostname: name, caCerts });
  else conn = await Deno.connectTls({ hostname, port, caCerts });
  try {
    await conn.handshake(); // surface certificate errors now, not at the first read
  } catch (e) {
    try {
      conn.close();
    } catch {}
    throw e;
  }
  return wrap(conn);
}
