// Raw TCP WebSocket servers that misbehave on purpose: they do the opening handshake by hand and then run a script.
import { createHash } from "node:crypto";
import net from "node:net";

export function acceptKey(key) {
  return createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
}

/** An unmasked server frame. */
export function frame(opcode, payload = Buffer.alloc(0), fin = true) {
  payload = Buffer.from(payload);
  const len = payload.length;
  const head = len < 126 ? Buffer.from([(fin ? 0x80 : 0) | opcode, len])
    : len < 65536 ? Buffer.from([(fin ? 0x80 : 0) | opcode, 126, len >> 8, len & 255])
    : (() => { const b = Buffer.alloc(10); b[0] = (fin ? 0x80 : 0) | opcode; b[1] = 127; b.writeBigUInt64BE(BigInt(len), 2); return b; })();
  return Buffer.concat([head, payload]);
}

export function closeFrame(code, reason = "") {
  const b = Buffer.alloc(2 + Buffer.byteLength(reason));
  b.writeUInt16BE(code, 0);
  b.write(reason, 2);
  return frame(0x8, b);
}

/** Parses masked client frames out of `buf`; returns [frames, rest]. */
export function parseFrames(buf) {
  const frames = [];
  for (;;) {
    if (buf.length < 2) break;
    let len = buf[1] & 0x7f, off = 2;
    if (len === 126) { if (buf.length < 4) break; len = buf.readUInt16BE(2); off = 4; }
    else if (len === 127) { if (buf.length < 10) break; len = Number(buf.readBigUInt64BE(2)); off = 10; }
    const masked = (buf[1] & 0x80) !== 0;
    const key = masked ? buf.subarray(off, off + 4) : null;
    if (masked) off += 4;
    if (buf.length < off + len) break;
    const payload = Buffer.from(buf.subarray(off, off + len));
    if (key) for (let i = 0; i < payload.length; i++) payload[i] ^= key[i & 3];
    frames.push({ fin: (buf[0] & 0x80) !== 0, rsv1: (buf[0] & 0x40) !== 0, opcode: buf[0] & 0x0f, masked, payload });
    buf = buf.subarray(off + len);
  }
  return [frames, buf];
}

/**
 * Starts a raw server. `script(sock, api)` runs after the handshake (or, with `handshake: false`, on connect).
 * api: { frames: async iterator-ish next(), send(bytes), sawClose: Promise<{code, reason}|null>, request }.
 */
export async function rawServer(script, { handshake = true, response, autoClose = true, host = "127.0.0.1" } = {}) {
  const sockets = new Set();
  const log = [];
  const server = net.createServer({ allowHalfOpen: true }, (sock) => {
    sockets.add(sock);
    sock.on("error", () => {});
    const api = { log, frames: [], waiters: [], ended: false };
    sock.on("close", () => {
      sockets.delete(sock);
      api.ended = true;
      wake();
    });
    let head = Buffer.alloc(0), rest = Buffer.alloc(0), opened = !handshake;
    let chunks = [], chunksLen = 0, need = 2;
    const wake = () => { const w = api.waiters.splice(0); w.forEach((f) => f()); };
    api.nextFrame = (ms = 5000) => new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("no frame in time")), ms);
      const check = () => {
        if (api.frames.length) { clearTimeout(t); resolve(api.frames.shift()); }
        else if (api.ended) { clearTimeout(t); resolve(null); }
        else api.waiters.push(check);
      };
      check();
    });
    sock.on("data", (d) => {
      if (!opened) {
        head = Buffer.concat([head, d]);
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        const text = head.subarray(0, end).toString("latin1");
        api.request = text;
        const key = /sec-websocket-key:\s*(\S+)/i.exec(text)?.[1];
        opened = true;
        rest = head.subarray(end + 4);
        sock.write(response ? response(key, text) :
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`);
        script(sock, api);
      } else {
        chunks.push(d);
        chunksLen += d.length;
      }
      if (rest.length) {
        chunks.unshift(rest);
        chunksLen += rest.length;
        rest = Buffer.alloc(0);
      }
      if (chunksLen < need) return; // avoid quadratic re-parsing of big frames
      const [frames, remaining] = parseFrames(Buffer.concat(chunks, chunksLen));
      chunks = remaining.length ? [remaining] : [];
      chunksLen = remaining.length;
      need = frameNeed(remaining);
      for (const f of frames) {
        log.push(f);
        if (autoClose && f.opcode === 8) {
          if (!sock.writableEnded) sock.end(closeFrame(f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1000));
        } else api.frames.push(f);
      }
      if (frames.length) wake();
    });
    sock.on("end", () => {
      api.ended = true;
      wake();
      if (autoClose && !sock.writableEnded) sock.end();
    });
    if (!handshake) script(sock, api);
  });
  await new Promise((r) => server.listen(0, host, r));
  const port = server.address().port;
  return {
    port,
    url: `ws://${host.includes(":") ? `[${host}]` : host}:${port}`,
    log,
    sockets,
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(r); }),
  };
}

function frameNeed(buf) {
  if (buf.length < 2) return 2;
  const len7 = buf[1] & 0x7f, mask = buf[1] & 0x80 ? 4 : 0;
  if (len7 < 126) return 2 + mask + len7;
  if (len7 === 126) return buf.length < 4 ? 4 : 4 + mask + buf.readUInt16BE(2);
  return buf.length < 10 ? 10 : 10 + mask + Number(buf.readBigUInt64BE(2));
}

export function closeCodeOf(f) {
  return f && f.opcode === 8 && f.payload.length >= 2 ? f.payload.readUInt16BE(0) : null;
}
