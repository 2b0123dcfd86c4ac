// The runtime's socket dialer, set by the entry file of each runtime (hybi.node.js, hybi.deno.js, …).
// dial({ hostname, port, tls, tlsOptions, proxy, signal }) → Promise<{ readable, writable, close(abrupt) }>

export const platform = { name: "unknown", dial: null };

export function setPlatform(p) {
  Object.assign(platform, p);
}
