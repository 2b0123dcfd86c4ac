// Bun sockets: Bun.connect, with the readable paused when its queue is full and partial writes buffered until
// `drain` (lib/transport-bun.js). Connections through a proxy use node:net/node:tls (Bun implements both), see
// dial-node.js.

import { dialNode } from "./dial-node.js";
import { HybiError } from "./errors.js";
import { BunConn } from "./transport-bun.js";

function caList(ca) {
  if (ca === undefined || ca === null) return undefined;
  return Array.isArray(ca) ? ca : [ca];
}

export function dial({ hostname, port, tls, tlsOptions, proxy, signal }) {
  if (proxy) return dialNode({ hostname, port, tls, tlsOptions, proxy, signal });
  return new Promise((resolve, reject) => {
    const conn = new BunConn();
    let settled = false;
    const fail = (e) => {
      if (settled) return;
      settled = true;
      reject(e);
    };
    const ready = (s) => {
      if (settled) return;
      settled = true;
      conn.attach(s, tls);
      if (signal?.aborted) {
        s.end();
        reject(signal.reason);
        return;
      }
      resolve(conn.transport);
    };
    const handlers = {
      data: (s, d) => conn.data(s, d),
      drain: () => conn.drain(),
      end: () => conn.end(),
      close(s, err) {
        conn.close(err);
        fail(err ?? new HybiError(`the connection to ${hostname}:${port} closed`, { kind: "ConnectFailed" }));
      },
      error(s, e) {
        conn.error(e);
        fail(e);
      },
      connectError(s, e) {
        fail(e);
      },
    };
    const tlsOpt = tlsOptions ?? {};
    if (tls) {
      handlers.open = () => {};
      handlers.handshake = (s, ok, authError) => {
        if (authError && tlsOpt.rejectUnauthorized !== false) {
          s.end();
          const err = new Error(`TLS: ${authError.message ?? authError.code ?? authError}`, { cause: authError });
          err.code = authError.code;
          fail(err);
          return;
        }
        ready(s);
      };
    } else {
      handlers.open = ready;
    }
    const { ca, servername, ...rest } = tlsOpt;
    Bun.connect({
      hostname,
      port,
      allowHalfOpen: true,
      tls: tls ? { ...rest, ca: caList(ca), serverName: servername ?? hostname, rejectUnauthorized: false } : undefined,
      socket: handlers,
    }).catch(fail);
  });
}
