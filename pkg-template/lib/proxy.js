// HTTP CONNECT (RFC 9110 §9.3.6): asks an http:// proxy for a tunnel to host:port.

import { HybiError } from "./errors.js";

const MAX_HEAD = 16 * 1024;

export function connectRequest(hostname, port, headers) {
  const authority = hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
  let head = `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n`;
  for (const [n, v] of headers) {
    if (/[\r\n]/.test(n) || /[\r\n]/.test(v)) throw new TypeError("options.proxy.headers: a header cannot contain CR or LF");
    head += `${n}: ${v}\r\n`;
  }
  return new TextEncoder().encode(head + "\r\n");
}

/** Finds the end of the response head; returns { status, headLength } or undefined while incomplete. */
export function parseConnectResponse(buf) {
  for (let i = 3; i < buf.length; i++) {
    if (buf[i] === 10 && buf[i - 1] === 13 && buf[i - 2] === 10 && buf[i - 3] === 13) {
      const head = new TextDecoder("latin1").decode(buf.subarray(0, i + 1));
      const m = /^HTTP\/1\.[01] (\d{3})([^\r\n]*)/.exec(head);
      if (!m) throw new HybiError("the proxy's answer to CONNECT is not HTTP/1.x", { kind: "ProxyFailed" });
      return { status: Number(m[1]), reason: m[2].trim(), headLength: i + 1 };
    }
  }
  if (buf.length > MAX_HEAD) throw new HybiError("the proxy's answer to CONNECT is too large", { kind: "ProxyFailed" });
  return undefined;
}

export function proxyRefused(res, proxy) {
  return new HybiError(`the proxy ${proxy.hostname}:${proxy.port} refused CONNECT: ${res.status} ${res.reason}`, {
    kind: "ProxyRefused",
    status: res.status,
  });
}

/**
 * CONNECT over byte functions: `write(bytes)` and `read()` → Uint8Array | null (EOF). Returns the bytes that
 * followed the proxy's answer (normally none: the tunnel's server waits for the client to speak first).
 */
export async function tunnel({ read, write }, target, proxy) {
  await write(connectRequest(target.hostname, target.port, proxy.headers));
  let buf = new Uint8Array(0);
  for (;;) {
    const chunk = await read();
    if (chunk === null) throw new HybiError("the proxy closed the connection before answering CONNECT", { kind: "ProxyFailed" });
    const next = new Uint8Array(buf.length + chunk.length);
    next.set(buf);
    next.set(chunk, buf.length);
    buf = next;
    const res = parseConnectResponse(buf);
    if (!res) continue;
    if (res.status < 200 || res.status > 299) throw proxyRefused(res, proxy);
    return buf.subarray(res.headLength);
  }
}

/** `readable` with `prefix` delivered first (bytes that arrived with the proxy's answer). Pull-driven. */
export function prefixStream(readable, prefix) {
  if (!prefix || prefix.byteLength === 0) return readable;
  const reader = readable.getReader();
  let first = prefix;
  return new ReadableStream(
    {
      async pull(c) {
        if (first) {
          c.enqueue(first);
          first = null;
          return;
        }
        const { value, done } = await reader.read();
        if (done) c.close();
        else c.enqueue(value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
