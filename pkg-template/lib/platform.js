// The runtime's sockets, set by the entry file of each runtime (hybi.node.js, hybi.deno.js, …).
// dial({ hostname, port, tls, tlsOptions, proxy, signal }) → Promise<{ readable, writable, close(abrupt) }>
// listen({ hostname, port, backlog }, onTransport) → Promise<{ hostname, port, close() }> (Node, Deno, Bun)

export const platform = { name: "unknown", dial: null, listen: null };

export function setPlatform(p) {
  Object.assign(platform, p);
}
