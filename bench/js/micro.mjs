// Rows 1–3 (Node): masking, UTF-8 validation and the text path, frame decode/encode from JS. Prints one JSON
// line { ok, rows: [...] } (rows as in results.json) and progress on stderr.
//
// env: HYBI_PKG      the installed package directory (its hybi.js glue + hybi_bg.wasm, as shipped)
//      HYBI_SIMD_DIR the same glue + wasm built with -Ctarget-feature=+simd128
//      KERNELS_DIR   hybi-wasm-kernels builds: kernels-{z,3}{,-simd}.wasm (raw exports, no wasm-bindgen)
//      BENCH_ROUNDS, BENCH_MS, BENCH_ONLY (mask,utf8,codec)
import { readFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { isUtf8 } from "node:buffer";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { alternate, pattern, rate, row, sizeName } from "./stats.mjs";

const require = createRequire(import.meta.url);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const MS = Number(process.env.BENCH_MS ?? 120);
const ONLY = (process.env.BENCH_ONLY ?? "mask,utf8,codec").split(",");
const log = (...a) => console.error("[micro]", ...a);
const rows = [];
const KEY = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);
const KEY32 = 0x3d21fa37; // the same key as little-endian u32

// ---- hybi as shipped (wasm-bindgen glue), and the simd128 build of the same
// `receive` and `sendBinary` are the package's own (lib/output.js: a read or a message written
// straight into wasm memory, the output copied out into a pooled buffer); scripts/bench.sh puts a copy of it
// beside the simd128 glue, where its `../hybi.js` is that build's.
async function loadGlue(dir) {
  const glue = await import(pathToFileURL(join(dir, "hybi.js")).href);
  const exports = glue.initSync({ module: readFileSync(join(dir, "hybi_bg.wasm")) });
  const { COLLECT_MIN, receive: receiveWith, receiver, release, sendBinary } = await import(pathToFileURL(join(dir, "lib", "output.js")).href);
  // As a client's session reads (chunks it may keep: large binary payloads are collected in JS).
  const states = new WeakMap();
  const receive = (conn, chunk, sink) => {
    let st = states.get(conn);
    if (st === undefined) states.set(conn, (st = receiver(COLLECT_MIN)));
    receiveWith(conn, chunk, sink, st);
  };
  // As the package sends with no write in flight (the message in, its frame out, in one call into wasm), then
  // releases the buffer as it does after a Node socket's write callback (here the "write" is done at once).
  const send = (conn, data) => {
    const out = sendBinary(conn, data, true);
    release(out);
    return out;
  };
  // `mask` is a codec binding (`hybi/codec`): from the package's codec wasm beside, or this build's own when it was
  // built with the codec feature (scripts/bench.sh builds the simd128 one so).
  let mask = glue.mask;
  if (!mask) {
    const codec = await import(pathToFileURL(join(dir, "hybi_codec.js")).href);
    codec.initSync({ module: readFileSync(join(dir, "hybi_codec_bg.wasm")) });
    mask = codec.mask;
  }
  return { glue, exports, receive, send, mask };
}
const shipped = await loadGlue(process.env.HYBI_PKG);
const simdDir = process.env.HYBI_SIMD_DIR;
const simd = simdDir && existsSync(join(simdDir, "hybi_bg.wasm")) ? await loadGlue(simdDir) : null;

// ---- raw kernels
function loadKernels(file) {
  const path = join(process.env.KERNELS_DIR ?? "", file);
  if (!existsSync(path)) return null;
  const inst = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(path)), {});
  return inst.exports;
}
const kernels = {};
for (const [name, file] of [
  ["opt-z", "kernels-z.wasm"],
  ["opt-z simd128", "kernels-z-simd.wasm"],
  ["opt-3", "kernels-3.wasm"],
  ["opt-3 simd128", "kernels-3-simd.wasm"],
]) {
  const k = loadKernels(file);
  if (k) kernels[name] = k;
}

// ---- ws, twice: as production runs it (bufferutil) and without bufferutil (WS_NO_BUFFER_UTIL, ws's JS mask)
function loadWs(noBufferUtil) {
  for (const k of Object.keys(require.cache)) if (k.includes("/node_modules/ws/")) delete require.cache[k];
  if (noBufferUtil) process.env.WS_NO_BUFFER_UTIL = "1";
  else delete process.env.WS_NO_BUFFER_UTIL;
  const lib = join(dirname(require.resolve("ws")), "lib");
  const m = {
    bufferUtil: require(join(lib, "buffer-util.js")),
    Sender: require(join(lib, "sender.js")),
    Receiver: require(join(lib, "receiver.js")),
  };
  delete process.env.WS_NO_BUFFER_UTIL;
  return m;
}
const wsNative = loadWs(false);
const wsJs = loadWs(true);
const bufferutil = require("bufferutil");

const SIZES = [16, 125, 4 << 10, 64 << 10, 1 << 20];
const gbps = (bytesPerSec) => bytesPerSec / 1e9;

async function compare(title, cands) {
  const res = await alternate(cands, { warmup: 1, rounds: ROUNDS });
  log(title, Object.entries(res).map(([n, r]) => `${n}=${r.error ? "ERROR " + r.error.split("\n")[0] : r.median.toPrecision(4)}`).join("  "));
  return res;
}

// ---------------------------------------------------------------- row 1: masking
if (ONLY.includes("mask")) {
  for (const n of SIZES) {
    const data = pattern(n);
    const out = new Uint8Array(n);
    const c = {
      "hybi mask() (copies)": () => rate(() => shipped.mask(data, KEY, 0), n, MS),
      "ws JS mask": () => rate(() => wsJs.bufferUtil.mask(data, KEY, out, 0, n), n, MS),
      "bufferutil": () => rate(() => bufferutil.mask(data, KEY, out, 0, n), n, MS),
      "ws mask (JS < 48 B, bufferutil above)": () => rate(() => wsNative.bufferUtil.mask(data, KEY, out, 0, n), n, MS),
    };
    if (simd) c["hybi mask() simd128 (copies)"] = () => rate(() => simd.mask(data, KEY, 0), n, MS);
    for (const [name, k] of Object.entries(kernels)) {
      k.reserve(n);
      c[`wasm memory, no copies (${name})`] = () => rate(() => k.mask(n, KEY32, 0), n, MS);
      // The copies a user pays, done by hand: into wasm memory, mask in place, out into a JS array.
      c[`copy in + mask + copy out (${name})`] = () =>
        rate(() => {
          const ptr = k.reserve(n);
          const mem = new Uint8Array(k.memory.buffer, ptr, n);
          mem.set(data);
          k.mask(n, KEY32, 0);
          out.set(mem);
        }, n, MS);
    }
    const r = await compare(`mask ${sizeName(n)} (GB/s)`, c);
    const h = gbps(r["hybi mask() (copies)"].median);
    const s = `mask ${sizeName(n)}`;
    rows.push(row(`${s}: hybi mask() with copies vs ws JS mask`, "GB/s", h, gbps(r["ws JS mask"].median), "ws (JS mask)"));
    rows.push(row(`${s}: hybi mask() with copies vs bufferutil`, "GB/s", h, gbps(r.bufferutil.median), "bufferutil"));
    if (simd) {
      const hs = gbps(r["hybi mask() simd128 (copies)"].median);
      rows.push(row(`${s}: hybi mask() simd128 build with copies vs bufferutil`, "GB/s", hs, gbps(r.bufferutil.median), "bufferutil"));
      rows.push(row(`${s}: hybi mask() simd128 vs scalar build (both with copies)`, "GB/s", hs, h, "hybi scalar build"));
    }
    for (const name of Object.keys(kernels)) {
      rows.push(
        row(`${s}: in wasm memory, no copies (${name}) vs bufferutil`, "GB/s", gbps(r[`wasm memory, no copies (${name})`].median), gbps(r.bufferutil.median), "bufferutil"),
      );
      rows.push(
        row(`${s}: copy in + mask in place + copy out (${name}) vs bufferutil`, "GB/s", gbps(r[`copy in + mask + copy out (${name})`].median), gbps(r.bufferutil.median), "bufferutil"),
      );
    }
  }
}

// ---------------------------------------------------------------- row 2: UTF-8
function mixed(n) {
  const unit = new TextEncoder().encode("hello, κόσμε — 世界 🌍 ok; ");
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = unit[i % unit.length];
  let end = n;
  while (!isUtf8(b.subarray(0, end))) end--;
  return b.subarray(0, end).slice();
}
/** A server's (unmasked) text frame carrying `payload`. */
function textFrame(payload) {
  const n = payload.length;
  const ext = n < 126 ? 0 : n <= 0xffff ? 2 : 8;
  const f = new Uint8Array(2 + ext + n);
  f[0] = 0x81;
  if (ext === 0) f[1] = n;
  else if (ext === 2) {
    f[1] = 126;
    f[2] = n >> 8;
    f[3] = n & 255;
  } else {
    f[1] = 127;
    new DataView(f.buffer).setBigUint64(2, BigInt(n));
  }
  f.set(payload, 2 + ext);
  return f;
}
if (ONLY.includes("utf8")) {
  for (const [kind, n] of [["ASCII", 1 << 10], ["ASCII", 1 << 20], ["mixed", 1 << 10], ["mixed", 1 << 20]]) {
    const data = kind === "ASCII" ? new Uint8Array(n).fill(0x61) : mixed(n);
    const len = data.length;
    const c = { "buffer.isUtf8": () => rate(() => isUtf8(data), len, MS) };
    for (const [name, k] of Object.entries(kernels)) {
      k.reserve(len);
      c[`hybi validate, copy in (${name})`] = () =>
        rate(() => {
          const ptr = k.reserve(len);
          new Uint8Array(k.memory.buffer, ptr, len).set(data);
          if (!k.utf8_valid(len)) throw new Error("invalid");
        }, len, MS);
      c[`hybi validate, no copy (${name})`] = () => rate(() => k.utf8_valid(len), len, MS);
    }
    const r = await compare(`utf8 ${kind} ${sizeName(n)} (GB/s)`, c);
    const peer = gbps(r["buffer.isUtf8"].median);
    for (const name of Object.keys(kernels)) {
      rows.push(row(`UTF-8 validate ${kind} ${sizeName(n)}: hybi in wasm, copy in counted (${name}) vs buffer.isUtf8`, "GB/s", gbps(r[`hybi validate, copy in (${name})`].median), peer, "buffer.isUtf8"));
      rows.push(row(`UTF-8 validate ${kind} ${sizeName(n)}: hybi in wasm, no copy (${name}) vs buffer.isUtf8`, "GB/s", gbps(r[`hybi validate, no copy (${name})`].median), peer, "buffer.isUtf8"));
    }

    // The whole text path: a text frame through hybi's receive (copy in, validate, decode to a JS string) against
    // TextDecoder({ fatal: true }) on the payload.
    const frame = textFrame(data);
    const conn = new shipped.glue.WasmConnection(false, 0, 0, 0, true, 0);
    let got = 0;
    const sink = { text: (t) => (got += t.length), binary() {}, ping() {}, pong() {}, close() {} };
    const td = new TextDecoder("utf-8", { fatal: true });
    const t = await compare(`text path ${kind} ${sizeName(n)} (GB/s)`, {
      "hybi receive (copy in + validate + decode)": () => rate(() => conn.receive(frame, sink), len, MS),
      "TextDecoder fatal": () => rate(() => td.decode(data), len, MS),
    });
    rows.push(row(`text path ${kind} ${sizeName(n)}: hybi receive → string vs TextDecoder({ fatal: true })`, "GB/s", gbps(t["hybi receive (copy in + validate + decode)"].median), gbps(t["TextDecoder fatal"].median), "TextDecoder fatal"));
    conn.free();
  }
}

// ---------------------------------------------------------------- row 3: frame decode / encode from JS
/** `count` unmasked binary frames of `n` bytes (what a client receives). */
function frames(n, count) {
  const one = textFrame(pattern(n));
  one[0] = 0x82;
  const out = new Uint8Array(one.length * count);
  for (let i = 0; i < count; i++) out.set(one, i * one.length);
  return out;
}
if (ONLY.includes("codec")) {
  // Decode: a chunk of many small frames (frames/s), and a 1 MiB frame arriving as 16 reads of 64 KiB (GB/s).
  for (const [label, n, count, chunk] of [["16 B frames, 1000 in one chunk", 16, 1000, 0], ["1 MiB frame in 64 KiB reads", 1 << 20, 1, 64 << 10]]) {
    const bytes = frames(n, count);
    const chunks = [];
    if (chunk) for (let i = 0; i < bytes.length; i += chunk) chunks.push(Buffer.from(bytes.subarray(i, i + chunk)));
    else chunks.push(Buffer.from(bytes));
    const units = count > 1 ? count : n;
    const conn = new shipped.glue.WasmConnection(false, 0, 0, 0, true, 0);
    let got = 0;
    const sink = { text() {}, binary: (b) => (got += b.length), ping() {}, pong() {}, close() {} };
    const receiver = new wsNative.Receiver({ isServer: false, maxPayload: 0, binaryType: "nodebuffer" });
    receiver.on("message", (d) => (got += d.length));
    receiver.on("error", (e) => log("ws receiver error", e));
    const r = await compare(`decode ${label}`, {
      "hybi WasmConnection.receive": () => rate(() => {
        for (const c of chunks) shipped.receive(conn, c, sink);
      }, units, MS),
      "ws Receiver": () => rate(() => {
        for (const c of chunks) receiver.write(c);
      }, units, MS),
    });
    const unit = count > 1 ? "frames/s" : "GB/s";
    const f = count > 1 ? (x) => x : gbps;
    rows.push(row(`decode ${label}: hybi receive (from JS) vs ws Receiver`, unit, f(r["hybi WasmConnection.receive"].median), f(r["ws Receiver"].median), "ws Receiver (bufferutil)"));
    conn.free();
  }
  // Encode: a message framed and masked, ready for the socket (copies counted).
  for (const n of SIZES) {
    const data = pattern(n);
    const conn = new shipped.glue.WasmConnection(false, 0, 0, 0, true, 0);
    const conns = simd ? new simd.glue.WasmConnection(false, 0, 0, 0, true, 0) : null;
    let sunk = 0;
    const sock = { cork() {}, uncork() {}, write: (b) => ((sunk += b.length), true) };
    const opts = { binary: true, mask: true, fin: true, compress: false };
    const senderNative = new wsNative.Sender(sock);
    const senderJs = new wsJs.Sender(sock);
    const c = {
      "hybi sendBinary, output taken": () => rate(() => {
        sunk += shipped.send(conn, data).length;
      }, n, MS),
      "ws Sender (bufferutil)": () => rate(() => senderNative.send(data, opts), n, MS),
      "ws Sender (JS mask)": () => rate(() => senderJs.send(data, opts), n, MS),
    };
    if (conns) {
      c["hybi simd128 sendBinary, output taken"] = () => rate(() => {
        sunk += simd.send(conns, data).length;
      }, n, MS);
    }
    const r = await compare(`encode ${sizeName(n)}`, c);
    const small = n < 4096;
    const unit = small ? "frames/s" : "GB/s";
    const f = small ? (x) => x / n : gbps;
    const h = f(r["hybi sendBinary, output taken"].median);
    rows.push(row(`encode ${sizeName(n)} (frame + mask, copies counted): hybi vs ws Sender + bufferutil`, unit, h, f(r["ws Sender (bufferutil)"].median), "ws Sender (bufferutil)"));
    rows.push(row(`encode ${sizeName(n)} (frame + mask, copies counted): hybi vs ws Sender, JS mask`, unit, h, f(r["ws Sender (JS mask)"].median), "ws Sender (WS_NO_BUFFER_UTIL)"));
    if (conns) {
      rows.push(row(`encode ${sizeName(n)}: hybi simd128 build vs ws Sender + bufferutil`, unit, f(r["hybi simd128 sendBinary, output taken"].median), f(r["ws Sender (bufferutil)"].median), "ws Sender (bufferutil)"));
      conns.free();
    }
    conn.free();
  }
}

console.log(JSON.stringify({ ok: true, rows }));
