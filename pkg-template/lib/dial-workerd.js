// Cloudflare workerd sockets (cloudflare:sockets). Deployed Workers may not connect to private addresses or to
// Cloudflare's own ranges, and a socket lives only as long as the request (or Durable Object) that opened it.
// TLS trusts only public CAs (miniflare: NODE_EXTRA_CA_CERTS); a custom server name goes through startTls().

import { connect } from "cloudflare:sockets";
import { HybiError } from "./errors.js";
import { prefixStream, tunnel } from "./proxy.js";

// `releasesWrites`: a write's promise resolves once the socket's sink has written the bytes, and the stream drops
// its reference to them then (workerd's WritableStreamInternalController holds the chunk's backing store until
// the sink's write completes; src/workerd/api/streams/internal.c++), so the buffer can carry a later write.
function wrap(s, prefix) {
  return { readable: prefixStream(s.readable, prefix), writable: s.writable, close: () => s.close(), releasesWrites: true };
}

export async function dial({ hostname, port, tls, tlsOptions, proxy }) {
  const name = tlsOptions?.servername ?? hostname;
  if (proxy) {
    const s = connect(
      { hostname: proxy.hostname, port: proxy.port },
      { secureTransport: tls ? "starttls" : "off", allowHalfOpen: true },
    );
    await s.opened;
    const reader = s.readable.getReader();
    const writer = s.writable.getWriter();
    let extra;
    try {
      extra = await tunnel(
        {
          async read() {
            const { value, done } = await reader.read();
            return done ? null : value;
          },
          write: (b) => writer.write(b),
        },
        { hostname, port },
        proxy,
      );
    } catch (e) {
      s.close();
      throw e;
    }
    reader.releaseLock();
    writer.releaseLock();
    if (!tls) return wrap(s, extra);
    if (extra.byteLength > 0) throw new HybiError("the proxy sent bytes before the TLS handshake", { kind: "ProxyFailed" });
    const t = s.startTls({ expectedServerHostname: name });
    await t.opened;
    return wrap(t);
  }
  if (tls && name !== hostname) {
    const s = connect({ hostname, port }, { secureTransport: "starttls", allowHalfOpen: true });
    await s.opened;
    const t = s.startTls({ expectedServerHostname: name });
    await t.opened;
    return wrap(t);
  }
  const s = connect({ hostname, port }, { secureTransport: tls ? "on" : "off", allowHalfOpen: true });
  await s.opened;
  return wrap(s);
}
