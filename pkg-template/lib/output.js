// Moves a message or a socket read into wasm memory (`sendBinary`, `sendText`, `receive`: straight to a place
// kept for it, no argument allocated and freed) and copies a connection's output out of it into a buffer the
// socket may keep (`takeOutput`).
//
// Allocating a buffer per write is the most expensive step of sending in V8: above 64 bytes a Uint8Array lives
// off the JS heap (about 300 ns for a small one, 6 µs for 64 KiB, 80 µs for 1 MiB), more than framing and masking
// the message. So:
// - writes below POOLED bytes are carved out of a shared slab, as Node's Buffer.allocUnsafe does. A slab is used
//   again once every write carved from it is released (a fresh slab is fresh memory: its page faults were about a
//   third of a 4 KiB send); without releases (transports that give no such signal) slabs are left to the GC;
// - larger writes get a buffer of their own, taken from a small free list when the transport says it is done with
//   the previous user of it (`release`, called by the session only after a Node socket's write callback, when
//   Node no longer holds the bytes), else newly allocated.

import { WasmConnection, takenLenAddr, wasmMemory } from "../hybi.js";

const SLAB = 128 * 1024;
const STAGE_KEPT = 1024 * 1024; // src/wasm/mod.rs KEEP: staging room for sends kept up to this size
const READ_ROOM = 64 * 1024; // reads go into wasm memory up to this size at a time (receive)
const POOLED = 16 * 1024;
// Buffers kept for reuse, at most: enough for one write in flight on each of many connections (100 echoing
// 16 KiB / 64 KiB messages: 8 kept, 42.7 / 98.8–109 µs CPU per message; 64: 39.7 / 97.5–101 µs).
const FREE_MAX = 64;
const FREE_MAX_BYTES = 4 * 1024 * 1024; // their bytes, at most
const RETIRED_MAX = 8; // full slabs waiting for their writes to be released, at most (then left to the GC)
let slab = null; // { bytes, buffer, used, pending }: carved from now; `pending` writes not yet released
const retired = []; // full slabs with pending writes
let spare = null; // a slab whose writes are all released
let memory = null;
let mem8 = null;
let mem32 = null;
let takenLen = null; // index into mem32
const free = []; // ArrayBuffers of finished large writes
let freeBytes = 0;

function alloc(n) {
  if (n >= POOLED) {
    // The smallest free buffer that fits without wasting more than half of it.
    let best = -1;
    for (let i = 0; i < free.length; i++) {
      const c = free[i].byteLength;
      if (c >= n && c <= 2 * n && (best < 0 || c < free[best].byteLength)) best = i;
    }
    if (best < 0) return new Uint8Array(n);
    const buf = free[best];
    free[best] = free[free.length - 1];
    free.pop();
    freeBytes -= buf.byteLength;
    return new Uint8Array(buf, 0, n);
  }
  if (slab === null || slab.used + n > SLAB) {
    if (slab !== null && slab.pending > 0) {
      if (retired.length === RETIRED_MAX) retired.shift();
      retired.push(slab);
    }
    slab = spare ?? newSlab();
    spare = null;
    slab.used = 0;
  }
  // A view made directly: `subarray` costs about twice as much (V8 looks up the species constructor).
  const out = new Uint8Array(slab.buffer, slab.used, n);
  slab.used += (n + 7) & ~7; // keep every write 8-byte aligned
  slab.pending++;
  return out;
}

function newSlab() {
  const bytes = new Uint8Array(SLAB);
  return { bytes, buffer: bytes.buffer, used: 0, pending: 0 };
}

/** A small write is done: its slab may be used again once none of its writes is pending. */
function releaseSmall(buf) {
  if (slab !== null && slab.buffer === buf) {
    // Nothing of the current slab in use: carve from its start again, while it is warm in cache.
    if (--slab.pending === 0) slab.used = 0;
    return;
  }
  for (let i = 0; i < retired.length; i++) {
    const r = retired[i];
    if (r.buffer !== buf) continue;
    if (--r.pending === 0) {
      retired.splice(i, 1);
      spare = r;
    }
    return;
  }
}

/** Views of wasm memory, renewed when it grows (growing detaches the old ArrayBuffer: its views read as empty). */
function bytes() {
  if (mem8 === null || mem8.byteLength === 0) {
    memory ??= wasmMemory();
    mem8 = new Uint8Array(memory.buffer);
    mem32 = new Uint32Array(memory.buffer);
  }
  return mem8;
}

/**
 * Takes every byte the connection has queued (an owned copy), or undefined if there is none; with `payload`, the
 * copy is followed by it (the payload of a frame whose header the connection queued last: sendBinaryHeader).
 * With `now` (a socket's writeNow: it writes what it can at once and keeps no reference to the bytes, as Bun's
 * `socket.write` does), the bytes are first offered to it straight from wasm memory: only what it did not take
 * is copied; null means it took them all and the next output should wait a microtask (to go out with whatever
 * else is sent meanwhile: one write for many small messages), undefined that it took them all and need not.
 */
export function takeOutput(conn, payload, now) {
  // Small output in one call (copied once more inside wasm, so that it is marked written at once).
  return taken(conn, conn.takeOutput(), payload, now);
}

/** takeOutput's copy, given what WasmConnection.takeOutput returned (`ptr`, 0 for output too large for it). */
function taken(conn, ptr, payload, now) {
  const mem = bytes();
  takenLen ??= takenLenAddr() >>> 2;
  const n = mem32[takenLen];
  if (n === 0) return undefined;
  if (typeof now === "function" && payload === undefined) return takenNow(conn, ptr, n, now);
  const out = alloc(payload === undefined ? n : n + payload.length);
  if (payload !== undefined) out.set(payload, n);
  if (ptr !== 0) {
    copy(out, 0, mem, ptr, n);
    return out;
  }
  ptr = conn.prepareOutput();
  copy(out, 0, bytes(), ptr, n);
  conn.advanceOutput(n);
  return out;
}

/**
 * The n bytes of output at `ptr` (0: in the connection, reached by prepareOutput) offered to `now` where they are;
 * returns an owned copy of what it did not take, else null below POOLED bytes and undefined from there (see
 * takeOutput). A frame taken this way is never copied out of wasm memory: one pass of four over a client's payload
 * (in, mask, out, the socket's). Large frames are not held for batching: their next output would be queued in the
 * connection, another copy, to save a system call that costs less than it at 64 KiB (Bun, 64 KiB echo with 8
 * messages in flight: 17.6 k → 20.3 k msg/s written at once, 18.3 k held).
 */
function takenNow(conn, ptr, n, now) {
  const at = ptr !== 0 ? ptr : conn.prepareOutput();
  // Made after prepareOutput, which may grow the memory. `now` returns before anything else runs in this instance.
  const took = Math.max(0, now(new Uint8Array(bytes().buffer, at, n)));
  let rest = null;
  if (took < n) {
    rest = alloc(n - took);
    copy(rest, 0, bytes(), at + took, n - took);
  }
  if (ptr === 0) conn.advanceOutput(n);
  return rest !== null || n < POOLED ? rest : undefined;
}

/**
 * Copies n bytes of src from `from` into dst at `at`, either way across the boundary: a loop when short (`set` of a
 * small array, and the subarray it may need, cost more than the bytes).
 */
function copy(dst, at, src, from, n) {
  if (n > 64) dst.set(from === 0 && n === src.length ? src : src.subarray(from, from + n), at);
  else for (let i = 0; i < n; i++) dst[at + i] = src[from + i];
}

let stagePtr = 0;
let stageRoom = -1; // bytes at stagePtr that stay put (WasmConnection.stage); -1: no room yet

/**
 * Queues a binary message: written straight into wasm memory rather than through an allocation for the argument.
 * Returns the bytes the connection now has buffered; or with `take` (true, or a socket's writeNow), its output
 * taken in the same call (what takeOutput returns). Throws the core's HybiError as `sendBinary` does.
 * Taken at once with nothing queued before it, the frame is built around the message where it was written
 * (WasmConnection.sendStaged): three passes over a client's payload (in, mask, out) where queuing it makes four.
 * Above 1 MiB the room is freed once the frame is out (it is zero-filled when made again: a write-only pass,
 * cheaper than the copy into the output it saves).
 */
export function sendBinary(conn, data, take = false) {
  const n = data.length;
  if (n > stageRoom && !stageFor(n)) {
    conn.sendBinary(data);
    return unstaged(conn, take);
  }
  copy(bytes(), stagePtr, data, 0, n);
  // Two calls, not one in a try/finally: the finally cost a 16 B send ~20 ns (118 → 139 ns in an A/B loop).
  if (n <= STAGE_KEPT) return sent(conn, conn.sendStaged(n, false, take !== false), take);
  try {
    return sent(conn, conn.sendStaged(n, false, take !== false), take);
  } finally {
    WasmConnection.unstage();
    stageRoom = -1;
  }
}

/** Room for n bytes at stagePtr; false if the staging place is in use (a send in progress below this one). */
function stageFor(n) {
  const ptr = WasmConnection.stage(n);
  if (ptr === 0) return false;
  stagePtr = ptr;
  stageRoom = n;
  return true;
}

/** What sendBinary/sendText return after a send through wasm-bindgen's copy (not staged). */
function unstaged(conn, take) {
  return take !== false ? takeOutput(conn, undefined, take) : conn.bufferedAmount;
}

function sent(conn, r, take) {
  if (r === 0xffffffff) throw conn.takeError();
  return take !== false ? taken(conn, r, undefined, take) : r;
}

let recvPtr = 0;
let recvRoom = 0; // bytes at recvPtr that stay put (WasmConnection.receiveRoom)
let receiving = false; // a receiveStaged is running (its sink called): its room is in use

/**
 * A binary message of at least this many bytes is collected in JS rather than copied into wasm memory and out
 * again (`Connection::receive_collecting`). From a transport whose chunks stay valid after the call, its payload
 * is kept as views of the reads it came in and copied once, into the message, when it is complete; from one that
 * lends them for the call only (Deno's, and Node's client sockets: lib/transport-deno.js, lib/dial-node.js), each
 * is copied into the message as it comes, and a transport that can (Deno's) reads straight into the message
 * instead (`readRoom`).
 */
export const COLLECT_MIN = 16 * 1024;
// A message copied into as it comes starts this large (or as large as it is, if less) and grows by 4× as its
// bytes arrive (at most 4× what came, or this): never allocated by the length its header declares. (By 2×, each
// new buffer's zero fill made 1 MiB messages 5–10% slower in Deno.)
const GROW_MIN = 64 * 1024;
// A message's buffer: not zero-filled where the runtime offers that (Node's and Bun's Buffer.allocUnsafeSlow: an
// ArrayBuffer of its own, exactly n bytes), as every byte of it is written before it is delivered.
const newMessage =
  typeof Buffer === "function" && typeof Buffer.allocUnsafeSlow === "function"
    ? (n) => new Uint8Array(Buffer.allocUnsafeSlow(n).buffer, 0, n)
    : (n) => new Uint8Array(n);

/**
 * A connection's reading state for `receive`: `min`, the least binary payload to collect in JS (0: never, for
 * servers, whose input is masked); `borrowed`, whether the transport's chunks are lent for the call only.
 * While a message is collected, `parts` (views of the reads) or `buf` (the message, when borrowed) is not null;
 * `len` is its length and `owed` the bytes still to come.
 */
export function receiver(min, borrowed = false) {
  return { min, borrowed, parts: null, buf: null, owed: 0, len: 0 };
}

/**
 * conn.receive(chunk, sink), with the read written straight into wasm memory (a room kept for reads up to
 * 64 KiB) rather than through an allocation for the argument, and large binary payloads collected in JS (`st`,
 * from `receiver`).
 */
export function receive(conn, chunk, sink, st) {
  while (chunk.length > 0) {
    if (st.parts !== null || st.buf !== null) {
      chunk = collect(conn, chunk, sink, st);
      continue;
    }
    if (receiving) {
      conn.receive(chunk, sink);
      return;
    }
    // Reads over READ_ROOM go in READ_ROOM bytes at a time (the room is kept at that size).
    let n = Math.min(chunk.length, READ_ROOM);
    if (st.min > 0 && n >= st.min) n = headerOnly(chunk, n, st.min);
    if (n > recvRoom) {
      const ptr = WasmConnection.receiveRoom(n);
      if (ptr === 0) {
        conn.receive(chunk, sink);
        return;
      }
      recvPtr = ptr;
      recvRoom = n;
    }
    copy(bytes(), recvPtr, chunk, 0, n);
    receiving = true;
    let r;
    try {
      r = conn.receiveStaged(n, sink, st.min);
    } finally {
      receiving = false;
    }
    if (r === 0) {
      if (n === chunk.length) return; // the common case: no view of nothing to make
      chunk = chunk.subarray(n);
      continue;
    }
    if (r === 0xffffffff) throw conn.takeError();
    // Stopped after the header of a message to collect (r - 1 bytes read): its payload follows.
    if (st.borrowed) st.buf = EMPTY;
    else st.parts = [];
    st.len = st.owed = conn.bytesOwed;
    chunk = chunk.subarray(r - 1);
  }
}

/**
 * How much of a read to hand to wasm first: just the header if the read starts with one of a binary message of
 * at least `min` bytes (its payload is then collected without entering wasm memory: one copy, into the message,
 * where a payload whole in the read would be copied into wasm and out again), else `n`. Only a guess at where
 * frames start: the connection decides (a wrong guess costs one call).
 */
function headerOnly(chunk, n, min) {
  // RFC 6455 §5.2: FIN + opcode 2, no RSV, unmasked; 16- or 64-bit length.
  if (chunk[0] !== 0x82) return n;
  const b = chunk[1];
  let len, h;
  if (b === 126) {
    len = (chunk[2] << 8) | chunk[3];
    h = 4;
  } else if (b === 127) {
    // Beyond 2^32 (the top four bytes set), only the connection's refusal is left to come.
    len = chunk[2] | chunk[3] | chunk[4] | chunk[5] ? Infinity : chunk[6] * 2 ** 24 + ((chunk[7] << 16) | (chunk[8] << 8) | chunk[9]);
    h = 10;
  } else return n;
  return len >= min ? h : n;
}

/** Keeps what `chunk` holds of the payload being collected; delivers the message once it is whole. */
function collect(conn, chunk, sink, st) {
  const k = Math.min(st.owed, chunk.length);
  if (st.parts !== null) st.parts.push(k === chunk.length ? chunk : chunk.subarray(0, k));
  else {
    const at = st.len - st.owed;
    // A read made into the message itself (readRoom) is in place already.
    if (chunk.buffer !== st.buf.buffer || chunk.byteOffset !== at) {
      grow(st, at + k);
      st.buf.set(k === chunk.length ? chunk : chunk.subarray(0, k), at);
    }
  }
  st.owed -= k;
  const r = conn.collected(k);
  if (r === 0xffffffff) throw conn.takeError();
  if (r === 1) {
    let msg = st.buf;
    if (msg === null) {
      const parts = st.parts;
      msg = newMessage(st.len);
      for (let i = 0, at = 0; i < parts.length; at += parts[i].length, i++) msg.set(parts[i], at);
    }
    st.parts = st.buf = null;
    sink.binary(msg); // whole: `grow` never goes past st.len, and reached it
  }
  return k === chunk.length ? EMPTY : chunk.subarray(k);
}

/** Makes the message being copied into (st.buf) hold at least `need` bytes: 4× larger, at most st.len. */
function grow(st, need) {
  const cap = st.buf.length;
  if (need <= cap) return;
  const b = newMessage(Math.min(st.len, Math.max(need, 4 * cap, GROW_MIN)));
  b.set(st.buf.subarray(0, st.len - st.owed));
  st.buf = b;
}

/**
 * Where a transport that lends its chunks should read next to land the bytes straight in the message being
 * collected, or null (no such message, or less than COLLECT_MIN of it still to come). At most what the message
 * still owes, so a read into it holds nothing else; `receive` then finds the chunk in place and does not copy it.
 */
export function readRoom(st) {
  if (st === null || st.buf === null || st.owed < COLLECT_MIN) return null;
  const at = st.len - st.owed;
  grow(st, at + 1);
  return st.buf.subarray(at);
}

const EMPTY = new Uint8Array(0);

/** Whether the message being collected holds bytes of `buffer` (an ArrayBuffer that must not be reused yet). */
export function collecting(st, buffer) {
  if (st === null || st.parts === null) return false;
  for (let i = 0; i < st.parts.length; i++) if (st.parts[i].buffer === buffer) return true;
  return false;
}

const encoder = new TextEncoder();

/** sendBinary for a string: encoded as UTF-8 straight into wasm memory. */
export function sendText(conn, s, take = false) {
  const max = s.length * 3; // UTF-8 bytes per UTF-16 code unit, at most
  if (max > STAGE_KEPT || (max > stageRoom && !stageFor(max))) {
    conn.sendText(s);
    return unstaged(conn, take);
  }
  const mem = bytes();
  // ASCII by hand while it lasts (encodeInto allocates a view and its result), the rest by the encoder.
  let i = 0;
  for (; i < s.length && i < 64; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) break;
    mem[stagePtr + i] = c;
  }
  let n = i;
  if (i < s.length) n += encoder.encodeInto(i === 0 ? s : s.slice(i), mem.subarray(stagePtr + i, stagePtr + max)).written;
  return sent(conn, conn.sendStaged(n, true, take !== false), take);
}

/**
 * Gives back a buffer `takeOutput` returned, once nothing holds its bytes any more (a Node socket's write callback
 * has run), at most once. Small ones free their part of a slab; large ones are kept for the next large write.
 */
export function release(out) {
  const buf = out.buffer;
  if (out.byteLength < POOLED) {
    releaseSmall(buf);
    return;
  }
  if (free.length >= FREE_MAX || freeBytes + buf.byteLength > FREE_MAX_BYTES) return;
  free.push(buf);
  freeBytes += buf.byteLength;
}
