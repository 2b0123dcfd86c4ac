// Node (≥ 20) sockets: node:net / node:tls as { readable, writable, close } with backpressure both ways.
// Also used by Bun for proxied connections (node:tls can wrap an existing socket).

import { HybiError } from "./errors.js";
import { connectRequest, parseConnectResponse, proxyRefused } from "./proxy.js";
import { fromNodeSocket } from "./transport-node.js";

export { fromNodeSocket };

// From process.getBuiltinModule (Node ≥ 20.16, Bun), not an import: an ES import of a builtin also builds its
// module namespace, about 0.5 ms of a cold start. The latter: older Bun, as in init/node-fs.js.
export const net = process.getBuiltinModule?.("node:net") ?? import.meta.require("node:net");

// Node reads a client socket (plain TCP or TLS) into one buffer shared by all of them (`onread`), not into a
// fresh 64 KiB allocation per read pushed through the socket's stream: each read is handed to the 'data' listeners
// (lib/transport-node.js) for the duration of the call only, as Deno's are (`chunksBorrowed`). About 1 µs less CPU
// per read, and no allocation per read. One buffer serves every socket: a read is made into it just before its
// callback, which consumes or copies the bytes before returning.
let shared = null;

/** net.connect's `onread` for the socket `get()` returns: its reads emitted as lent 'data' chunks. */
function lentReads(get) {
  shared ??= new Uint8Array(64 * 1024);
  return {
    buffer: shared,
    callback(n, buf) {
      const s = get();
      // A plain Uint8Array, not a Buffer: a lent chunk is kept with slice(), which is a view on a Buffer.
      const chunk = new Uint8Array(buf.buffer, buf.byteOffset, n);
      // Kept (a copy) until the transport listens, and reading paused until then (the transport resumes it): a
      // server's early bytes, read between 'connect' and the transport's start, if ever.
      if (s.listenerCount("data") > 0) s.emit("data", chunk);
      else {
        (s.early ??= []).push(chunk.slice());
        s.pause();
      }
    },
  };
}

function tcp(host, port, signal, lend = false) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port, allowHalfOpen: true, ...(lend ? { onread: lentReads(() => s) } : {}) });
    if (lend) s.chunksBorrowed = true;
    const onAbort = () => s.destroy(signal.reason ?? new Error("aborted"));
    signal?.addEventListener("abort", onAbort, { once: true });
    s.once("connect", () => {
      signal?.removeEventListener("abort", onAbort);
      s.removeListener("error", reject);
      resolve(s);
    });
    s.once("error", reject);
  });
}

// node:tls (and with it node:crypto) is loaded on the first wss:// connection, not at import: a third of a cold
// start for programs that never use it.
let tlsModule = null;

async function tlsConnect(options, signal) {
  const tls = (tlsModule ??= (await import("node:tls")).default);
  return new Promise((resolve, reject) => {
    // Decrypted reads lent from the shared buffer too (node:tls takes net.connect's `onread`).
    const s = tls.connect({ ...options, allowHalfOpen: true, onread: lentReads(() => s) });
    s.chunksBorrowed = true;
    const onAbort = () => s.destroy(signal.reason ?? new Error("aborted"));
    signal?.addEventListener("abort", onAbort, { once: true });
    s.once("secureConnect", () => {
      signal?.removeEventListener("abort", onAbort);
      s.removeListener("error", reject);
      resolve(s);
    });
    s.once("error", (e) => {
      signal?.removeEventListener("abort", onAbort);
      reject(e);
    });
  });
}

function tlsFor(hostname, port, tlsOptions) {
  const { ca, servername, ...rest } = tlsOptions ?? {};
  const name = servername ?? (net.isIP(hostname) ? undefined : hostname);
  return { ...rest, host: hostname, port, ...(name ? { servername: name } : {}), ...(ca ? { ca } : {}) };
}

/** CONNECT through an http:// proxy on a net.Socket; resolves once the tunnel is up. */
function tunnelNode(sock, target, proxy) {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const cleanup = () => {
      sock.removeListener("data", onData);
      sock.removeListener("end", onEnd);
      sock.removeListener("error", onError);
    };
    const onData = (d) => {
      buf = Buffer.concat([buf, d]);
      let res;
      try {
        res = parseConnectResponse(buf);
      } catch (e) {
        cleanup();
        return reject(e);
      }
      if (!res) return;
      cleanup();
      sock.pause();
      if (res.status < 200 || res.status > 299) return reject(proxyRefused(res, proxy));
      const rest = buf.subarray(res.headLength);
      if (rest.length > 0) sock.unshift(rest);
      resolve(rest.length);
    };
    const onEnd = () => {
      cleanup();
      reject(new HybiError("the proxy closed the connection before answering CONNECT", { kind: "ProxyFailed" }));
    };
    const onError = (e) => {
      cleanup();
      reject(e);
    };
    sock.on("data", onData);
    sock.on("end", onEnd);
    sock.on("error", onError);
    sock.write(connectRequest(target.hostname, target.port, proxy.headers));
  });
}

export async function dialNode({ hostname, port, tls: secure, tlsOptions, proxy, signal }) {
  let sock;
  if (proxy) {
    const raw = await tcp(proxy.hostname, proxy.port, signal);
    try {
      const extra = await tunnelNode(raw, { hostname, port }, proxy);
      if (secure) {
        if (extra > 0) throw new HybiError("the proxy sent bytes before the TLS handshake", { kind: "ProxyFailed" });
        sock = await tlsConnect({ ...tlsFor(hostname, port, tlsOptions), socket: raw }, signal);
      } else {
        sock = raw;
      }
    } catch (e) {
      raw.destroy();
      throw e;
    }
  } else if (secure) {
    sock = await tlsConnect(tlsFor(hostname, port, tlsOptions), signal);
  } else {
    sock = await tcp(hostname, port, signal, true);
  }
  if (signal?.aborted) {
    sock.destroy();
    throw signal.reason;
  }
  return fromNodeSocket(sock);
}

export { dialNode as dial };
