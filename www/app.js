// The frame inspector page. Every frame byte shown here comes from hybi's WebAssembly core (wasm/hybi_codec.js,
// the codec build: the package's runtime wasm leaves `inspect` and `compose` out):
// `compose` encodes, `inspect` decodes, the handshake bindings build and check the opening handshake. This file
// only lays the results out, and parses the hex/base64 the user pastes.
import init, * as hybi from './wasm/hybi_codec.js';

// ------------------------------------------------------------------------------------------------ small helpers

const $ = (id) => document.getElementById(id);
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const BIN = Array.from({ length: 256 }, (_, i) => i.toString(2).padStart(8, '0'));
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

/** Lowercase hex, two digits per byte, single spaces: the form tests and users copy. */
function hexLine(bytes) {
  const parts = new Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) parts[i] = HEX[bytes[i]];
  return parts.join(' ');
}

const hexCompact = (bytes) => hexLine(bytes).replaceAll(' ', '');
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const num = (n) => Number(n).toLocaleString('en-US');
const plural = (n, word) => `${num(n)} ${word}${n === 1 ? '' : 's'}`;
const h2 = (b) => `0x${HEX[b]}`;

function latin1(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}

function printable(b) {
  if (b >= 0x20 && b < 0x7f) return String.fromCharCode(b);
  return null;
}

class InputError extends Error {}

/** Parses hex with or without separators (spaces, colons, commas, dashes, `0x` prefixes). */
export function parseHex(text) {
  const digits = text.replace(/0x/gi, '').replace(/[\s:,;.\-_|]/g, '');
  if (!/^[0-9a-f]*$/i.test(digits)) {
    const bad = digits.match(/[^0-9a-f]/i)[0];
    throw new InputError(`"${bad}" is not a hex digit`);
  }
  if (digits.length % 2) throw new InputError(`odd number of hex digits (${digits.length}): every byte is two digits`);
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.substr(i * 2, 2), 16);
  return out;
}

/** Parses base64 (standard or URL-safe, padding optional, whitespace ignored). */
export function parseBase64(text) {
  let t = text.replace(/\s/g, '').replace(/-/g, '+').replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t) || t.replace(/=+$/, '').length % 4 === 1) {
    throw new InputError('not valid base64');
  }
  t = t.replace(/=+$/, '');
  t += '='.repeat((4 - (t.length % 4)) % 4);
  const s = atob(t);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function looksHex(text) {
  return /^[\s0-9a-fA-FxX:,;.\-_|]*$/.test(text) && !/[g-wyzG-WYZ]/.test(text);
}

function parseBytes(text, format) {
  if (format === 'hex' || (format === 'auto' && looksHex(text))) return { bytes: parseHex(text), format: 'hex' };
  return { bytes: parseBase64(text), format: 'base64' };
}

const CLOSE_NAMES = {
  1000: 'normal closure', 1001: 'going away', 1002: 'protocol error', 1003: 'unsupported data',
  1005: 'no status received', 1006: 'abnormal closure', 1007: 'invalid payload data', 1008: 'policy violation',
  1009: 'message too big', 1010: 'mandatory extension', 1011: 'internal error', 1012: 'service restart',
  1013: 'try again later', 1014: 'bad gateway', 1015: 'TLS handshake failure',
};
const closeName = (code) =>
  CLOSE_NAMES[code] ?? (code >= 4000 && code <= 4999 ? 'application-defined' : code >= 3000 && code <= 3999 ? 'library-defined' : 'unassigned');

const OPCODE_TEXT = {
  0: ['continuation', 'continues a fragmented message', '§5.4'],
  1: ['text', 'the first frame of a text (UTF-8) message', '§5.6'],
  2: ['binary', 'the first frame of a binary message', '§5.6'],
  8: ['close', 'starts or answers the closing handshake', '§5.5.1'],
  9: ['ping', 'asks the peer for a Pong with the same payload', '§5.5.2'],
  10: ['pong', 'answers a Ping (or is an unsolicited heartbeat)', '§5.5.3'],
};

let deflate = false;

// ------------------------------------------------------------------------------------------------ URL fragment

function readHash() {
  const params = new Map();
  for (const part of location.hash.replace(/^#/, '').split('&')) {
    if (!part) continue;
    const i = part.indexOf('=');
    const [k, v] = i < 0 ? [part, ''] : [part.slice(0, i), part.slice(i + 1)];
    try {
      params.set(decodeURIComponent(k), decodeURIComponent(v));
    } catch {
      params.set(k, v);
    }
  }
  return params;
}

let lastHash = null;
function writeHash(hash, push = false) {
  if (location.hash === hash || (location.hash === '' && hash === '#')) return;
  lastHash = hash;
  if (push) history.pushState(null, '', hash);
  else history.replaceState(null, '', hash);
}

// ------------------------------------------------------------------------------------------------ byte explanations

/** What each rendered byte grid shows: `{ wire, ins, base }` keyed by the grid's id. */
const grids = new Map();
let gridSeq = 0;

function fieldOf(frame, off) {
  const rel = off - frame.offset;
  if (rel === 0) return 'b0';
  if (rel === 1) return 'b1';
  const ext = frame.lengthBits === 16 ? 2 : frame.lengthBits === 64 ? 8 : 0;
  if (rel < 2 + ext) return 'ext';
  if (off < frame.payloadOffset) return 'key';
  return 'payload';
}

function opcodeInfo(op) {
  return OPCODE_TEXT[op] ?? [`reserved (0x${op.toString(16)})`, 'reserved for future use: a receiver fails the connection', '§5.2'];
}

function lengthWhy(frame) {
  const n = frame.payloadLength;
  if (frame.lengthBits === 7) return `${num(n)} ≤ 125: the 7-bit field holds the length itself`;
  if (frame.lengthBits === 16) return `126 ≤ ${num(n)} ≤ 65,535: 7-bit field 126, then the length in 16 bits`;
  return `${num(n)} > 65,535: 7-bit field 127, then the length in 64 bits (top bit 0)`;
}

function messageOf(ins, frame) {
  return frame.message == null ? null : ins.messages[frame.message];
}

function explain(grid, off) {
  const g = grids.get(grid);
  if (!g) return null;
  const { wire, ins } = g;
  const b = wire[off];
  const head = `<div class="tip-head"><span>Byte ${num(off)}</span><code>${h2(b)}</code><code class="bits">${BIN[b].slice(0, 4)} ${BIN[b].slice(4)}</code></div>`;
  const frameIndex = ins.frames.findIndex((f) => off >= f.offset && off < f.payloadOffset + f.payload.length);
  if (frameIndex < 0) {
    const why = g.rawWhy?.(off) ?? 'not part of a decoded frame';
    return head + `<p>${why}</p>`;
  }
  const f = ins.frames[frameIndex];
  const field = fieldOf(f, off);
  const lines = [];
  let section = 'RFC 6455 §5.2';
  let title = '';
  if (field === 'b0') {
    const [name, what] = opcodeInfo(f.opcode);
    title = 'FIN, RSV1–3, opcode';
    lines.push(`<b>FIN</b> = ${f.fin ? 1 : 0}: ${f.fin ? 'the last frame of its message' : 'more frames of this message follow'}`);
    const rsv1 = (f.rsv & 4) !== 0;
    lines.push(`<b>RSV1–3</b> = ${(f.rsv >> 2) & 1}${(f.rsv >> 1) & 1}${f.rsv & 1}: ${rsv1 ? 'RSV1 marks a compressed message (permessage-deflate, RFC 7692 §6)' : 'no extension bits in use'}`);
    lines.push(`<b>opcode</b> = 0x${f.opcode.toString(16)}: ${name}, ${what}`);
  } else if (field === 'b1') {
    title = 'MASK, payload length (7 bits)';
    lines.push(`<b>MASK</b> = ${f.masked ? 1 : 0}: ${f.masked ? 'the payload is masked: sent by a client (§5.3)' : 'not masked: sent by a server'}`);
    const l7 = f.len7 === 126 ? '126: a 16-bit length follows' : f.len7 === 127 ? '127: a 64-bit length follows' : `${f.len7}: the payload length`;
    lines.push(`<b>Payload length</b> = ${l7}`);
    lines.push(`<span class="why">${lengthWhy(f)}</span>`);
  } else if (field === 'ext') {
    const k = off - f.offset - 2;
    const n = f.lengthBits === 16 ? 2 : 8;
    title = `Extended payload length (${f.lengthBits} bits)`;
    lines.push(`Byte ${k + 1} of ${n}, big-endian (network order)`);
    lines.push(`The length is <b>${num(f.payloadLength)}</b> bytes`);
    lines.push(`<span class="why">${lengthWhy(f)}. The minimal form MUST be used.</span>`);
  } else if (field === 'key') {
    const j = off - (f.payloadOffset - 4);
    title = `Masking key, byte ${j}`;
    section = 'RFC 6455 §5.3';
    lines.push(`XORed into payload bytes ${j}, ${j + 4}, ${j + 8}, … (every i with i mod 4 = ${j})`);
    lines.push('A client draws a fresh, unpredictable key for every frame so that a script cannot choose the bytes a proxy sees (§10.3).');
  } else {
    const i = off - f.payloadOffset;
    const plain = f.payload[i];
    const msg = messageOf(ins, f);
    title = `Payload byte ${num(i)}${f.payloadLength > 1 ? ` of ${num(f.payloadLength)}` : ''}`;
    section = f.control ? 'RFC 6455 §5.5' : 'RFC 6455 §5.6';
    if (f.masked) {
      const j = i % 4;
      section = 'RFC 6455 §5.3';
      lines.push(`On the wire ${h2(b)} = plain ${h2(plain)} XOR key[${i} mod 4 = ${j}] ${h2(f.maskKey[j])}`);
    }
    if (f.opcode === 8 && i < 2) {
      section = 'RFC 6455 §5.5.1, §7.4';
      lines.push(`Close status code, ${i === 0 ? 'high' : 'low'} byte (big-endian)${f.payload.length >= 2 ? `: ${(f.payload[0] << 8) | f.payload[1]} (${closeName((f.payload[0] << 8) | f.payload[1])})` : ''}`);
    } else if (f.opcode === 8) {
      section = 'RFC 6455 §5.5.1';
      lines.push(`Close reason (UTF-8)${printable(plain) ? `: '${esc(printable(plain))}'` : ''}`);
    } else if (msg?.compressed) {
      section = 'RFC 7692 §7.2';
      lines.push('Compressed data (DEFLATE, without the final 00 00 ff ff)');
    } else {
      const ch = printable(plain);
      const textual = msg?.opcode === 1;
      const desc = ch != null ? `'${esc(ch)}'` : textual && plain >= 0x80 ? 'part of a multi-byte UTF-8 character' : 'binary data';
      lines.push(`Plain value ${h2(plain)}${textual || ch ? `: ${desc}` : ''}`);
    }
  }
  const errHere = ins.error && ins.error.offset === off;
  const err = errHere ? `<p class="tip-error">${esc(ins.error.message)}: close code ${ins.error.closeCode ?? '—'}</p>` : '';
  return `${head}<p class="tip-title">${esc(title)} <span class="sec">${section}</span></p><ul>${lines.map((l) => `<li>${l}</li>`).join('')}</ul>${err}<p class="tip-foot">Frame ${frameIndex + 1} · offset ${num(off - f.offset)} in the frame</p>`;
}

const tip = () => $('byte-tip');
let tipFor = null;

function showTip(el) {
  const grid = el.closest('[data-grid]')?.dataset.grid;
  const off = Number(el.dataset.o);
  const html = grid != null && !Number.isNaN(off) ? explain(grid, off) : el.dataset.tip ? esc(el.dataset.tip) : null;
  if (!html) return;
  const t = tip();
  t.innerHTML = html;
  t.hidden = false;
  tipFor = el;
  const r = el.getBoundingClientRect();
  const tw = t.offsetWidth;
  const th = t.offsetHeight;
  let left = Math.min(Math.max(8, r.left + r.width / 2 - tw / 2), window.innerWidth - tw - 8);
  let top = r.bottom + 8;
  if (top + th > window.innerHeight - 8) top = Math.max(8, r.top - th - 8);
  t.style.left = `${left}px`;
  t.style.top = `${top}px`;
}

function hideTip(el) {
  if (el && tipFor !== el) return;
  tip().hidden = true;
  tipFor = null;
}

function installTips() {
  const isByte = (t) => t instanceof Element && t.closest('.byte, .bit');
  document.addEventListener('mouseover', (e) => {
    const el = isByte(e.target);
    if (el) showTip(el);
  });
  document.addEventListener('mouseout', (e) => {
    const el = isByte(e.target);
    if (el && !el.contains(e.relatedTarget)) hideTip(el);
  });
  document.addEventListener('focusin', (e) => {
    const el = isByte(e.target);
    if (el) showTip(el);
  });
  document.addEventListener('focusout', (e) => {
    const el = isByte(e.target);
    if (el) hideTip(el);
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') hideTip();
    const el = isByte(e.target);
    if (!el) return;
    const group = el.closest('[data-nav]');
    if (!group) return;
    const items = [...group.querySelectorAll('.byte, .bit')];
    const i = items.indexOf(el);
    let j = null;
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') j = Math.min(items.length - 1, i + 1);
    if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') j = Math.max(0, i - 1);
    if (e.key === 'Home') j = 0;
    if (e.key === 'End') j = items.length - 1;
    if (j == null) return;
    e.preventDefault();
    el.tabIndex = -1;
    items[j].tabIndex = 0;
    items[j].focus();
  });
  window.addEventListener('scroll', () => hideTip(), { passive: true });
}

// ------------------------------------------------------------------------------------------------ frame rendering

const SHOW_HEAD = 48;
const SHOW_TAIL = 16;
const COLLAPSE_OVER = 96;
const EXPAND_MAX = 8192;

function byteCell(wire, off, cls, first, label) {
  return `<span class="byte ${cls}" data-o="${off}" tabindex="${first ? 0 : -1}" role="listitem" aria-label="${esc(label)}">${HEX[wire[off]]}</span>`;
}

const FIELD_LABEL = { b0: 'FIN · RSV · opcode', b1: 'MASK · length', ext: 'extended length', key: 'masking key', payload: 'payload' };

/** A frame's bytes as coloured, labelled segments; long payloads collapsed to their first and last bytes. */
function byteGrid(wire, f, { expanded = false, errorAt = null } = {}) {
  const end = f.payloadOffset + f.payload.length;
  const segs = [];
  let cur = null;
  const payLen = f.payload.length;
  const collapse = !expanded && payLen > COLLAPSE_OVER;
  for (let off = f.offset; off < end; off++) {
    const field = fieldOf(f, off);
    let i = off - f.payloadOffset;
    if (collapse && field === 'payload' && i === SHOW_HEAD) {
      const hidden = payLen - SHOW_HEAD - SHOW_TAIL;
      cur = null;
      segs.push(`<span class="gap" role="listitem">… ${plural(hidden, 'byte')} …</span>`);
      off = end - SHOW_TAIL - 1;
      continue;
    }
    let cls = `f-${field}`;
    if (field === 'payload' && f.opcode === 8 && i < 2) cls = 'f-code';
    if (errorAt === off) cls += ' err';
    const label = `Byte ${off}, ${FIELD_LABEL[field]}: ${h2(wire[off])}`;
    const cell = byteCell(wire, off, cls, off === f.offset, label);
    const segKey = cls.startsWith('f-code') ? 'code' : collapse && field === 'payload' ? (i < SHOW_HEAD ? 'head' : 'tail') : field;
    if (!cur || cur.key !== segKey) {
      cur = { key: segKey, cells: [] };
      segs.push(cur);
    }
    cur.cells.push(cell);
  }
  if (f.payload.length < f.payloadLength) {
    segs.push(`<span class="gap missing" role="listitem">${plural(f.payloadLength - f.payload.length, 'byte')} missing</span>`);
  }
  const names = {
    b0: 'FIN RSV op', b1: 'MASK len', ext: `len (${f.lengthBits === 16 ? '16' : '64'} bits)`, key: 'masking key',
    payload: f.payload.length ? (f.masked ? 'payload (masked)' : 'payload') : '', code: 'status code',
    head: `payload: first ${SHOW_HEAD} bytes`, tail: `last ${SHOW_TAIL}`,
  };
  return segs
    .map((s) => (typeof s === 'string' ? s : `<span class="seg seg-${s.key}"><span class="seg-bytes">${s.cells.join('')}</span><span class="seg-label" aria-hidden="true">${names[s.key]}</span></span>`))
    .join('');
}

/** The first two header bytes, bit by bit (RFC 6455 §5.2 figure). */
function bitDiagram(wire, f) {
  const b0 = wire[f.offset];
  const b1 = wire[f.offset + 1];
  const bit = (byte, k) => (byte >> (7 - k)) & 1;
  const cells = [];
  const parts = [
    ['FIN', 'fin', 0, 1, b0], ['RSV1', 'rsv', 1, 1, b0], ['RSV2', 'rsv', 2, 1, b0], ['RSV3', 'rsv', 3, 1, b0],
    ['opcode', 'op', 4, 4, b0], ['MASK', 'mask', 0, 1, b1], ['payload len', 'len', 1, 7, b1],
  ];
  for (const [name, cls, start, width, byte] of parts) {
    const bits = [];
    for (let k = start; k < start + width; k++) bits.push(bit(byte, k));
    let value;
    if (name === 'opcode') value = `0x${f.opcode.toString(16)} ${opcodeInfo(f.opcode)[0]}`;
    else if (name === 'payload len') value = f.len7 === 126 ? '126 → 16-bit' : f.len7 === 127 ? '127 → 64-bit' : `${f.len7}`;
    else value = String(bits[0]);
    const off = byte === b0 && name !== 'MASK' && name !== 'payload len' ? f.offset : f.offset + 1;
    cells.push(`<span class="bit b-${cls}" style="--w:${width}" data-o="${off}" tabindex="${cells.length ? -1 : 0}" role="listitem" aria-label="${name} = ${esc(value)}"><span class="bit-digits">${bits.join('')}</span><span class="bit-name">${name}</span><span class="bit-val">${esc(value)}</span></span>`);
  }
  return cells.join('');
}

function fieldRows(wire, f, msg) {
  const rows = [];
  const [opName, opWhat, opSec] = opcodeInfo(f.opcode);
  const key = f.maskKey ? hexLine(f.maskKey) : '—';
  rows.push(['FIN', f.fin ? '1' : '0', f.fin ? 'last frame of the message' : 'more frames follow', '§5.2']);
  rows.push(['RSV1–3', `${(f.rsv >> 2) & 1} ${(f.rsv >> 1) & 1} ${f.rsv & 1}`, f.rsv & 4 ? 'RSV1: compressed (permessage-deflate)' : 'no extension', f.rsv & 4 ? 'RFC 7692 §6' : '§5.2']);
  rows.push(['Opcode', `0x${f.opcode.toString(16)}`, `${opName}: ${opWhat}`, opSec]);
  rows.push(['MASK', f.masked ? '1' : '0', f.masked ? 'masked (client → server)' : 'not masked (server → client)', '§5.1']);
  rows.push(['Payload length', num(f.payloadLength), `${f.lengthBits === 7 ? '7 bits' : f.lengthBits === 16 ? '7+16 bits' : '7+64 bits'}: ${lengthWhy(f)}`, '§5.2']);
  rows.push(['Masking key', key, f.masked ? 'payload byte i XOR key[i mod 4]' : 'absent', '§5.3']);
  let payloadWhat = `${plural(f.payload.length, 'byte')}`;
  if (f.opcode === 8 && f.payload.length >= 2) {
    const code = (f.payload[0] << 8) | f.payload[1];
    payloadWhat = `status ${code} (${closeName(code)})${f.payload.length > 2 ? `, reason “${esc(utf8Decoder.decode(f.payload.subarray(2)))}”` : ''}`;
  } else if (f.opcode === 8) payloadWhat = 'empty: a Close without a status code';
  rows.push(['Payload', f.payload.length < f.payloadLength ? `${num(f.payload.length)} of ${num(f.payloadLength)}` : num(f.payload.length), payloadWhat, f.opcode === 8 ? '§5.5.1' : f.control ? '§5.5' : msg?.compressed ? 'RFC 7692 §7.2' : '§5.6']);
  return `<table class="fields"><caption class="sr-only">Header fields</caption><thead><tr><th scope="col">Field</th><th scope="col">Value</th><th scope="col">Meaning</th><th scope="col"><abbr title="Section of RFC 6455">§</abbr></th></tr></thead><tbody>${rows
    .map(([a, b, c, d]) => `<tr><th scope="row">${a}</th><td><code>${esc(b)}</code></td><td>${c}</td><td class="sec">${d}</td></tr>`)
    .join('')}</tbody></table>`;
}

const XOR_SHOW = 32;

function maskPanel(wire, f, id, open) {
  const n = Math.min(f.payload.length, XOR_SHOW);
  if (!f.masked || n === 0) return '';
  const cols = [];
  for (let i = 0; i < n; i++) {
    const j = i % 4;
    const p = f.payload[i];
    const ch = printable(p);
    cols.push(`<div class="xcol k${j}" data-i="${i}"><span class="xi">${i}</span><span class="xp">${HEX[p]}</span><span class="xc">${ch ? esc(ch) : '·'}</span><span class="xk">${HEX[f.maskKey[j]]}<sub>${j}</sub></span><span class="xw">${HEX[wire[f.payloadOffset + i]]}</span></div>`);
  }
  const more = f.payload.length > n ? `<p class="hint">First ${n} of ${plural(f.payload.length, 'payload byte')}.</p>` : '';
  return `<details class="masking" ${open ? 'open' : ''}><summary>Masking: plain XOR key[i mod 4] = wire <span class="sec">RFC 6455 §5.3</span></summary>
    <div class="xor" id="${id}" data-step="-1">
      <div class="xlabels" aria-hidden="true"><span>i</span><span>plain</span><span>char</span><span>key[i mod 4]</span><span>wire</span></div>
      <div class="xcols">${cols.join('')}</div>
    </div>${more}
    <div class="stepper">
      <button type="button" class="secondary small" data-step-act="prev" data-xor="${id}" aria-label="Previous byte">◀</button>
      <button type="button" class="secondary small" data-step-act="next" data-xor="${id}" aria-label="Next byte">Step ▶</button>
      <button type="button" class="secondary small" data-step-act="play" data-xor="${id}">Play</button>
      <output class="step-text" id="${id}-text" aria-live="polite">Step through to see the key applied byte by byte.</output>
    </div></details>`;
}

function stepXor(id, act) {
  const box = $(id);
  if (!box) return;
  const g = box.__frame;
  const cols = [...box.querySelectorAll('.xcol')];
  let i = Number(box.dataset.step);
  if (act === 'play') {
    clearInterval(box.__timer);
    if (i >= cols.length - 1) i = -1;
    box.__timer = setInterval(() => {
      if (!box.isConnected || Number(box.dataset.step) >= cols.length - 1) return clearInterval(box.__timer);
      stepXor(id, 'next');
    }, 450);
    return stepXor(id, 'next');
  }
  if (act !== 'play') {
    if (act === 'next') i = Math.min(cols.length - 1, i + 1);
    else if (act === 'prev') i = Math.max(0, i - 1);
  }
  box.dataset.step = String(i);
  cols.forEach((c, k) => {
    c.classList.toggle('done', k < i);
    c.classList.toggle('now', k === i);
  });
  const strip = box.querySelector('.xcols');
  const col = cols[i];
  if (col && (col.offsetLeft < strip.scrollLeft || col.offsetLeft + col.offsetWidth > strip.scrollLeft + strip.clientWidth)) {
    strip.scrollLeft = col.offsetLeft - strip.clientWidth / 2;
  }
  if (g && i >= 0) {
    const { f, wire } = g;
    const j = i % 4;
    const p = f.payload[i];
    const ch = printable(p);
    $(`${id}-text`).innerHTML = `i = ${i}: plain <code>${h2(p)}</code>${ch ? ` '${esc(ch)}'` : ''} XOR key[${i} mod 4 = ${j}] <code>${h2(f.maskKey[j])}</code> = wire <code>${h2(wire[f.payloadOffset + i])}</code>`;
  }
}

function payloadPreview(f, msg) {
  if (!f.payload.length) return '';
  if (msg?.compressed) return '';
  if (f.opcode === 8) return '';
  const isText = msg ? msg.opcode === 1 : f.opcode === 1;
  const shown = f.payload.subarray(0, 400);
  if (isText || f.control) {
    const text = utf8Decoder.decode(shown);
    if (isText || /^[\x20-\x7e]*$/.test(text)) {
      return `<p class="plain"><span class="lbl">Plain payload</span> <q>${esc(text)}${f.payload.length > 400 ? '…' : ''}</q></p>`;
    }
  }
  return '';
}

function frameCard(wire, ins, k, ctx) {
  const f = ins.frames[k];
  const msg = messageOf(ins, f);
  const gridId = `g${++gridSeq}`;
  const bytes = wire.subarray(f.offset, f.payloadOffset + f.payload.length);
  const isErr = ins.error?.frame === k;
  const cut = f.payload.length < f.payloadLength;
  const badges = [
    `<span class="badge op-${f.opcodeName}">${f.opcodeName}</span>`,
    f.fin ? '<span class="badge">FIN</span>' : '<span class="badge dim">not FIN</span>',
    f.masked ? '<span class="badge mask">masked</span>' : '',
    f.rsv & 4 ? '<span class="badge rsv">RSV1 compressed</span>' : '',
    isErr ? '<span class="badge bad">invalid</span>' : '',
    cut ? '<span class="badge bad">cut off</span>' : '',
  ].join(' ');
  const where = msg != null && ctx.messageLabels ? `<span class="meta-msg">${ctx.messageLabels[f.message]}</span>` : '';
  grids.set(gridId, { wire, ins });
  const collapse = f.payload.length > COLLAPSE_OVER;
  const canExpand = collapse && f.payload.length <= EXPAND_MAX;
  return `<article class="frame${isErr ? ' is-err' : ''}" data-testid="frame" data-opcode="${f.opcodeName}" aria-labelledby="${gridId}-h">
    <header class="frame-head">
      <h3 id="${gridId}-h">Frame ${k + 1} ${badges}</h3>
      <p class="meta">offset ${num(f.offset)} · ${plural(bytes.length, 'byte')} on the wire = ${f.headerLength} header + ${num(f.payload.length)} payload ${where}</p>
    </header>
    <div class="frame-body">
      <div class="frame-main">
        <div class="bitrow" role="list" data-nav aria-label="Frame ${k + 1}, first two header bytes bit by bit" data-grid="${gridId}">${bitDiagram(wire, f)}</div>
        <div class="grid" role="list" data-nav data-grid="${gridId}" aria-label="Frame ${k + 1} bytes" id="${gridId}">${byteGrid(wire, f, { errorAt: isErr ? ins.error.offset : null })}</div>
        ${canExpand ? `<button type="button" class="link small" data-expand="${gridId}" data-frame="${k}">Show all ${num(f.payload.length)} payload bytes</button>` : collapse ? `<p class="hint">Payload shown collapsed: its first ${SHOW_HEAD} and last ${SHOW_TAIL} bytes.</p>` : ''}
        ${payloadPreview(f, msg)}
        <div class="hexline"><code data-testid="frame-hex" tabindex="0" aria-label="Frame ${k + 1} wire bytes as hex">${hexLine(bytes)}</code><button type="button" class="secondary small" data-copy-text aria-label="Copy frame ${k + 1} hex">Copy</button></div>
      </div>
      <details class="frame-side" ${ctx.openFields === k || isErr ? 'open' : ''}><summary>Header fields</summary>${fieldRows(wire, f, msg)}</details>
    </div>
    ${maskPanel(wire, f, `${gridId}-x`, ctx.openMask === k)}
  </article>`;
}

function rawCard(wire, from, to, { title, why, errorAt = null, tone = 'raw' }) {
  const gridId = `g${++gridSeq}`;
  const shown = Math.min(to, from + 256);
  grids.set(gridId, { wire, ins: { frames: [], messages: [], error: null }, rawWhy: () => why });
  const cells = [];
  for (let off = from; off < shown; off++) {
    cells.push(byteCell(wire, off, `f-raw${off === errorAt ? ' err' : ''}`, off === from, `Byte ${off}: ${h2(wire[off])}, ${why}`));
  }
  const more = to > shown ? `<span class="gap" role="listitem">… ${plural(to - shown, 'byte')} …</span>` : '';
  return `<article class="frame raw ${tone}" data-testid="raw-bytes">
    <header class="frame-head"><h3>${esc(title)}</h3><p class="meta">offset ${num(from)} · ${plural(to - from, 'byte')}</p></header>
    <div class="grid" role="list" data-nav data-grid="${gridId}" aria-label="${esc(title)}"><span class="seg seg-raw"><span class="seg-bytes">${cells.join('')}</span></span>${more}</div>
    <div class="hexline"><code data-testid="raw-hex" tabindex="0">${hexLine(wire.subarray(from, to))}</code><button type="button" class="secondary small" data-copy-text>Copy</button></div>
  </article>`;
}

function messageList(ins) {
  if (!ins.messages.length) return { html: '', labels: [] };
  const labels = [];
  const items = ins.messages.map((m, i) => {
    const frames = [...m.frames].map((k) => k + 1);
    labels.push(`message ${i + 1}`);
    const content = m.inflated ?? m.data;
    let body;
    if (m.opcode === 8) {
      body = m.closeCode != null ? `status <b>${m.closeCode}</b> (${closeName(m.closeCode)})${m.reason ? `, reason <q>${esc(m.reason)}</q>` : ''}` : 'no status code';
    } else if (m.text != null) {
      body = `<q>${esc(m.text.length > 300 ? `${m.text.slice(0, 300)}…` : m.text)}</q>`;
    } else if (m.opcode === 1) {
      body = `<q>${esc(utf8Decoder.decode(content.subarray(0, 300)))}</q>${m.complete ? '' : ' …'}`;
    } else if (content.length) {
      body = `<code>${hexLine(content.subarray(0, 24))}${content.length > 24 ? ' …' : ''}</code>`;
    } else body = '<span class="dim">empty</span>';
    const state = m.complete ? '' : ' <span class="badge bad">incomplete</span>';
    const comp = m.compressed ? ` <span class="badge rsv">compressed ${num(m.data.length)} → ${num(content.length)} bytes</span>` : '';
    return `<li data-testid="message"><span class="badge op-${m.kind}">${m.kind}</span> <span class="m-size">${plural(content.length, 'byte')}</span> <span class="m-frames">${frames.length > 1 ? `frames ${frames.join(', ')}` : `frame ${frames[0]}`}</span>${comp}${state}<div class="m-body">${body}</div></li>`;
  });
  return { html: `<section class="panel messages" aria-label="Messages"><h2>${plural(ins.messages.length, 'message')}</h2><ol>${items.join('')}</ol></section>`, labels };
}

function summary(wire, ins, extra = '') {
  const payload = ins.frames.reduce((a, f) => a + f.payload.length, 0);
  const header = ins.frames.reduce((a, f) => a + f.headerLength, 0);
  const total = wire.length;
  const framed = header + payload;
  const exact = framed ? (100 * header) / framed : 0;
  const pct = exact > 0 && exact < 1 ? '<1' : Math.round(exact);
  const sender = ins.sender ? `<span class="stat"><b>${ins.sender}</b><span>sender (${ins.sender === 'client' ? 'masked' : 'unmasked'})</span></span>` : '';
  return `<div class="summary panel" data-testid="summary">
    <span class="stat"><b>${num(ins.frames.length)}</b><span>${ins.frames.length === 1 ? 'frame' : 'frames'}</span></span>
    <span class="stat"><b>${num(total)}</b><span>bytes on the wire</span></span>
    <span class="stat"><b>${num(payload)}</b><span>payload bytes</span></span>
    <span class="stat"><b>${num(header)}</b><span>header bytes${framed ? ` (${pct}% overhead)` : ''}</span></span>
    ${sender}${extra}
  </div>`;
}

function renderInspection(container, wire, ins, { decode = false } = {}) {
  for (const key of [...grids.keys()]) if (!document.getElementById(key) && grids.size > 200) grids.delete(key);
  const parts = [];
  if (decode) parts.push(problems(wire, ins));
  parts.push(summary(wire, ins));
  const { html: msgs, labels } = messageList(ins);
  parts.push(msgs);
  const openMask = ins.frames.findIndex((f) => f.masked && f.payload.length > 0);
  const openFields = ins.frames.length ? 0 : -1;
  const cards = ins.frames.map((_, k) => frameCard(wire, ins, k, { messageLabels: labels, openMask, openFields }));
  parts.push(`<div class="frames">${cards.join('')}${decode ? remainder(wire, ins) : ''}</div>`);
  container.innerHTML = parts.join('');
  container.querySelectorAll('.xor').forEach((box) => {
    const card = box.closest('.frame');
    const k = [...container.querySelectorAll('.frame:not(.raw)')].indexOf(card);
    box.__frame = { f: ins.frames[k], wire };
  });
  container.querySelectorAll('[data-expand]').forEach((btn) => {
    btn.addEventListener('click', () => {
      const f = ins.frames[Number(btn.dataset.frame)];
      const grid = $(btn.dataset.expand);
      grid.innerHTML = byteGrid(wire, f, { expanded: true });
      btn.remove();
    });
  });
}

/** The error, truncation and ignored-bytes notices of a decoded capture. */
function problems(wire, ins) {
  const out = [];
  const e = ins.error;
  if (e) {
    const code = e.closeCode != null ? `<b>${e.closeCode}</b> (${closeName(e.closeCode)})` : 'none';
    out.push(`<div class="error-box big" role="alert" data-testid="decode-error">
      <p class="e-title">Invalid at byte ${num(e.offset)} (0x${e.offset.toString(16)})${e.frame != null ? `, in frame ${e.frame + 1}` : ''}: ${esc(e.message)}</p>
      <p>Rule: <span class="sec">${esc(e.section)}</span> · An endpoint receiving this fails the connection with close code ${code}.</p>
    </div>`);
  }
  const t = ins.truncated;
  if (t) {
    const n = `${t.exact ? '' : 'at least '}${plural(t.missing, 'more byte')}`;
    const what = t.frame != null ? `inside the payload of frame ${t.frame + 1}` : `inside the header of frame ${ins.frames.length + 1}`;
    out.push(`<div class="warn-box" role="status" data-testid="decode-truncated"><p class="e-title">Incomplete: the input ends ${what} (which starts at byte ${num(t.offset)}).</p><p>${n} ${t.exact || t.missing !== 1 ? 'are' : 'is'} still missing.</p></div>`);
  }
  if (ins.afterClose != null) {
    out.push(`<div class="warn-box" role="status" data-testid="after-close"><p>${plural(wire.length - ins.afterClose, 'byte')} after the Close frame (from byte ${num(ins.afterClose)}) are ignored: nothing follows a Close (RFC 6455 §5.5.1).</p></div>`);
  }
  if (ins.frameLimit != null) {
    out.push(`<div class="warn-box" role="status"><p>Stopped after ${num(ins.frames.length)} frames; the rest (from byte ${num(ins.frameLimit)}) is not shown.</p></div>`);
  }
  if (!e && !t && wire.length && ins.frames.length) {
    out.push('<div class="ok-box" role="status" data-testid="decode-ok"><p>Valid: every frame follows RFC 6455.</p></div>');
  }
  return out.join('');
}

/** Bytes after the last decoded frame: an invalid header, a cut-off header, or bytes after a Close. */
function remainder(wire, ins) {
  const last = ins.frames[ins.frames.length - 1];
  const from = last ? Math.min(wire.length, last.payloadOffset + last.payload.length) : 0;
  if (from >= wire.length) return '';
  if (ins.afterClose != null) return rawCard(wire, ins.afterClose, wire.length, { title: 'Ignored: after the Close frame', why: 'after a Close frame, ignored (RFC 6455 §5.5.1)' });
  if (ins.error && ins.error.frame == null) {
    return rawCard(wire, from, wire.length, { title: `Not decoded: invalid header at byte ${num(ins.error.offset)}`, why: `not decoded: ${ins.error.message} at byte ${ins.error.offset}`, errorAt: ins.error.offset, tone: 'bad' });
  }
  if (ins.truncated && ins.truncated.frame == null) {
    return rawCard(wire, from, wire.length, { title: `Frame ${ins.frames.length + 1}: header cut off`, why: 'the start of a frame header; the rest is missing', tone: 'warn' });
  }
  return rawCard(wire, from, wire.length, { title: 'Not decoded', why: 'not decoded' });
}

// ------------------------------------------------------------------------------------------------ compose view

const form = () => $('compose-form');
const DEFAULT_COMPOSE = { role: 'client', op: 'text', payload: 'Hello', mask: '37fa213d', frag: '0' };

function randomKey() {
  return hexCompact(crypto.getRandomValues(new Uint8Array(4)));
}

function composeStateFromHash(p) {
  return {
    role: p.get('role') === 'server' ? 'server' : 'client',
    op: ['text', 'binary', 'ping', 'pong', 'close'].includes(p.get('op')) ? p.get('op') : 'text',
    payload: p.get('payload') ?? '',
    mask: p.get('mask') ?? '',
    frag: p.get('frag') ?? '0',
    inject: p.get('inject') === 'ping',
    code: p.get('code') ?? '',
    reason: p.get('reason') ?? '',
    compress: p.get('compress') === '1',
  };
}

function setComposeForm(s) {
  const f = form();
  f.elements.role.value = s.role;
  f.elements.op.value = s.op;
  f.elements.payload.value = s.op === 'binary' ? (() => {
    try {
      return hexLine(parseHex(s.payload));
    } catch {
      return s.payload;
    }
  })() : s.payload;
  f.elements.mask.value = s.mask;
  f.elements.frag.value = s.frag;
  f.elements.inject.checked = s.inject;
  f.elements.code.value = s.code;
  f.elements.reason.value = s.reason;
  f.elements.compress.checked = s.compress && deflate;
  syncComposeFields();
}

function readComposeForm() {
  const f = form();
  return {
    role: f.elements.role.value,
    op: f.elements.op.value,
    payload: f.elements.payload.value,
    mask: f.elements.mask.value.trim(),
    frag: f.elements.frag.value.trim() || '0',
    inject: f.elements.inject.checked,
    code: f.elements.code.value.trim(),
    reason: f.elements.reason.value,
    compress: deflate && f.elements.compress.checked,
  };
}

function composeHash(s, payloadHex) {
  const parts = [`role=${s.role}`, `op=${s.op}`];
  if (s.op === 'close') {
    if (s.code) parts.push(`code=${encodeURIComponent(s.code)}`);
    if (s.reason) parts.push(`reason=${encodeURIComponent(s.reason)}`);
  } else {
    parts.push(`payload=${s.op === 'binary' ? payloadHex : encodeURIComponent(s.payload)}`);
  }
  if (s.role === 'client' && s.mask) parts.push(`mask=${s.mask.toLowerCase()}`);
  parts.push(`frag=${encodeURIComponent(s.frag)}`);
  if (s.inject) parts.push('inject=ping');
  if (s.compress) parts.push('compress=1');
  return `#${parts.join('&')}`;
}

function syncComposeFields() {
  const s = readComposeForm();
  const data = s.op === 'text' || s.op === 'binary';
  $('close-fields').hidden = s.op !== 'close';
  $('payload-field').hidden = s.op === 'close';
  $('frag-field').hidden = !data;
  $('inject-field').hidden = !data;
  $('compress-field').hidden = !(data && deflate);
  $('mask').disabled = s.role !== 'client';
  $('mask-random').disabled = s.role !== 'client';
  $('mask-field').classList.toggle('disabled', s.role !== 'client');
  const labels = { text: 'Text (UTF-8)', binary: 'Bytes (hex)', ping: 'Ping payload (text, at most 125 bytes)', pong: 'Pong payload (text, at most 125 bytes)' };
  $('payload-label').textContent = labels[s.op] ?? 'Payload';
  $('payload-hint').textContent = s.op === 'binary' ? 'Spaces, colons and 0x prefixes are fine.' : s.op === 'text' ? 'Sent as UTF-8; one character may take up to 4 bytes.' : 'Control frames carry at most 125 bytes and are never fragmented (RFC 6455 §5.5).';
}

function showComposeError(msg) {
  const box = $('compose-error');
  box.hidden = !msg;
  box.innerHTML = msg ?? '';
}

function renderCompose({ updateHash = true } = {}) {
  syncComposeFields();
  const s = readComposeForm();
  let payload;
  let payloadHex = '';
  try {
    if (s.op === 'binary') {
      payload = parseHex(s.payload);
      payloadHex = hexCompact(payload);
    } else if (s.op === 'close') payload = utf8.encode(s.reason);
    else payload = utf8.encode(s.payload);
  } catch (e) {
    showComposeError(`Payload: ${esc(e.message)}`);
    return;
  }
  let mask;
  if (s.role === 'client' && s.mask) {
    if (!/^[0-9a-f]{8}$/i.test(s.mask.replace(/[\s:]/g, ''))) {
      showComposeError('Masking key: 8 hex digits (4 bytes), or empty for a fresh random key per frame.');
      $('mask').setAttribute('aria-invalid', 'true');
      return;
    }
    mask = parseHex(s.mask);
  }
  $('mask').removeAttribute('aria-invalid');
  const frag = Number(s.frag);
  if (!Number.isInteger(frag) || frag < 0) {
    showComposeError('Fragment size: a whole number of bytes, 0 for one frame.');
    return;
  }
  let code = 0;
  if (s.op === 'close' && s.code !== '') {
    code = Number(s.code);
    if (!Number.isInteger(code) || code < 1 || code > 65535) {
      showComposeError('Status code: a number from 1 to 65535.');
      return;
    }
  }
  let result;
  try {
    result = hybi.compose(s.role === 'client', s.op, payload, mask, frag, s.inject, code, s.compress);
  } catch (e) {
    const sec = e.kind ? ` <span class="sec">${esc(ruleSection(e.kind))}</span>` : '';
    showComposeError(`Cannot be sent: ${esc(e.message)}${sec}`);
    return;
  }
  showComposeError(null);
  if (updateHash) writeHash(composeHash(s, payloadHex));
  renderInspection($('compose-output'), result.bytes, result);
}

function ruleSection(kind) {
  return {
    ControlPayloadTooLong: 'RFC 6455 §5.5', CloseReasonTooLong: 'RFC 6455 §5.5.1', InvalidCloseCode: 'RFC 6455 §7.4',
    InvalidUtf8: 'RFC 6455 §5.6', InvalidCloseReason: 'RFC 6455 §5.5.1',
  }[kind] ?? 'RFC 6455';
}

// ------------------------------------------------------------------------------------------------ decode view

let decodeTimer = 0;

function renderDecode({ updateHash = true } = {}) {
  const text = $('decode-input').value;
  const format = document.querySelector('input[name="format"]:checked').value;
  const box = $('decode-input-error');
  let bytes;
  try {
    bytes = parseBytes(text, format).bytes;
    box.hidden = true;
    $('decode-input').removeAttribute('aria-invalid');
  } catch (e) {
    box.hidden = false;
    box.textContent = `Cannot read the input: ${e.message}.`;
    $('decode-input').setAttribute('aria-invalid', 'true');
    return;
  }
  const useDeflate = deflate && $('deflate').checked;
  if (updateHash) writeHash(`#decode=${hexCompact(bytes)}${deflate && !useDeflate ? '&deflate=0' : ''}`);
  const out = $('decode-output');
  if (!bytes.length) {
    out.innerHTML = '<div class="panel empty"><p>Paste the bytes of one direction of a connection (after the handshake), or pick an example.</p></div>';
    return;
  }
  const ins = hybi.inspect(bytes, useDeflate);
  renderInspection(out, bytes, ins, { decode: true });
}

// ------------------------------------------------------------------------------------------------ handshake view

function crlfHtml(text) {
  return text
    .split('\r\n')
    .map((line, i, all) => (i === all.length - 1 ? esc(line) : `${esc(line)}<span class="crlf" aria-hidden="true">↵</span>\n`))
    .join('');
}

function buildRequest(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    throw new InputError('not a URL (for example ws://example.com/chat)');
  }
  if (!['ws:', 'wss:', 'http:', 'https:'].includes(u.protocol)) throw new InputError('the scheme must be ws: or wss:');
  if (u.hash) throw new InputError('a WebSocket URL has no fragment (RFC 6455 §3)');
  const tls = u.protocol === 'wss:' || u.protocol === 'https:';
  const hs = new hybi.WasmClientHandshake(u.hostname, Number(u.port) || 0, tls, `${u.pathname || '/'}${u.search}`, undefined, [], undefined, [], 0, 0);
  const request = latin1(hs.request);
  hs.free();
  return request;
}

function renderHandshake({ updateHash = true, generate = false } = {}) {
  const err = $('hs-error');
  let request;
  try {
    request = buildRequest($('hs-url').value.trim());
  } catch (e) {
    err.hidden = false;
    err.textContent = `URL: ${e.message}`;
    return;
  }
  err.hidden = true;
  const drawn = request.match(/\r\nSec-WebSocket-Key: ([^\r]*)/)[1];
  if (generate || !$('hs-key').value.trim()) $('hs-key').value = drawn;
  const key = $('hs-key').value.trim();
  // The request as the client builds it, with the chosen key in place of the drawn one.
  request = request.replace(/(\r\nSec-WebSocket-Key: )[^\r]*/, (_, p) => p + key);
  let response;
  let problem = null;
  try {
    const req = hybi.parseRequest(utf8.encode(request), 0, 0);
    response = latin1(hybi.buildResponse(req.key, undefined, undefined, []));
  } catch (e) {
    response = e.response ? latin1(e.response) : '';
    problem = e.message;
  }
  $('hs-accept').textContent = hybi.acceptKey(key);
  $('hs-request').innerHTML = crlfHtml(request);
  $('hs-request').dataset.text = request;
  $('hs-response').innerHTML = crlfHtml(response);
  $('hs-response').dataset.text = response;
  if (problem) {
    err.hidden = false;
    err.textContent = `The server refuses this request: ${problem} (RFC 6455 §4.2.1).`;
  }
  if (updateHash) writeHash(`#view=handshake&key=${encodeURIComponent(key)}&url=${encodeURIComponent($('hs-url').value.trim())}`);
}

// ------------------------------------------------------------------------------------------------ examples

const RFC_KEY = '37fa213d';
const seq = (n) => hexCompact(Uint8Array.from({ length: n }, (_, i) => i & 0xff));

function examples() {
  const list = [
    { group: 'RFC 6455 §5.7 examples', title: 'Single-frame unmasked text', desc: '“Hello” from a server: 81 05 48 65 6c 6c 6f', hash: '#role=server&op=text&payload=Hello&frag=0' },
    { group: 'RFC 6455 §5.7 examples', title: 'Single-frame masked text', desc: '“Hello” from a client, key 37 fa 21 3d', hash: `#role=client&op=text&payload=Hello&mask=${RFC_KEY}&frag=0` },
    { group: 'RFC 6455 §5.7 examples', title: 'Fragmented unmasked text', desc: '“Hel” then “lo”: a first frame without FIN, a continuation with FIN', hash: '#role=server&op=text&payload=Hello&frag=3' },
    { group: 'RFC 6455 §5.7 examples', title: 'Unmasked Ping', desc: 'A Ping carrying “Hello”', hash: '#role=server&op=ping&payload=Hello&frag=0' },
    { group: 'RFC 6455 §5.7 examples', title: 'Masked Pong', desc: 'The answer to that Ping, from a client', hash: `#role=client&op=pong&payload=Hello&mask=${RFC_KEY}&frag=0` },
    { group: 'RFC 6455 §5.7 examples', title: '256 bytes of binary', desc: 'The 16-bit length form: 82 7e 01 00', hash: `#role=server&op=binary&payload=${seq(256)}&frag=0` },
    { group: 'RFC 6455 §5.7 examples', title: '64 KiB of binary', desc: 'The 64-bit length form: 82 7f 00 00 00 00 00 01 00 00 (shown collapsed)', hash: `#role=server&op=binary&payload=${seq(65536)}&frag=0` },
    { group: 'Fragments and control frames', title: 'Ping between fragments', desc: 'A fragmented message with a Ping injected between its first two frames (§5.4)', hash: `#role=client&op=text&payload=${encodeURIComponent('Hello, world')}&mask=${RFC_KEY}&frag=5&inject=ping` },
    { group: 'Fragments and control frames', title: 'Close with a reason', desc: 'Status 1000 and a UTF-8 reason (§5.5.1)', hash: `#role=client&op=close&code=1000&reason=${encodeURIComponent('Goodbye')}&mask=${RFC_KEY}&frag=0` },
    { group: 'Fragments and control frames', title: 'A captured exchange', desc: 'Text in two fragments, a Ping between them, then a Close: decoded', hash: '#decode=010348656c89008002 6c6f880203e8'.replace(' ', '') },
  ];
  if (deflate) {
    list.push(
      { group: 'permessage-deflate (RFC 7692)', title: 'Compressed “Hello”', desc: 'RFC 7692 §7.2.3.1: c1 07 f2 48 cd c9 c9 07 00, inflated', hash: '#decode=c107f248cdc9c90700' },
      { group: 'permessage-deflate (RFC 7692)', title: 'Two messages sharing a window', desc: 'RFC 7692 §7.2.3.2: the second “Hello” refers back into the first', hash: '#decode=c107f248cdc9c90700c105f200110000' },
      { group: 'permessage-deflate (RFC 7692)', title: 'Compose a compressed message', desc: 'RSV1 on the first frame only, then continuations', hash: `#role=client&op=text&payload=${encodeURIComponent('WebSocket frames, WebSocket frames, WebSocket frames!')}&mask=${RFC_KEY}&frag=8&compress=1` },
    );
  }
  list.push(
    { group: 'Broken input (decoder)', title: 'Reserved opcode', desc: 'Opcode 0x3 is reserved: 1002', hash: '#decode=830548656c6c6f' },
    { group: 'Broken input (decoder)', title: 'Fragmented Ping', desc: 'A control frame without FIN: 1002', hash: '#decode=090548656c6c6f' },
    { group: 'Broken input (decoder)', title: 'Invalid UTF-8', desc: 'A text message with a broken sequence: 1007', hash: '#decode=81054865c328 6f'.replace(' ', '') },
    { group: 'Broken input (decoder)', title: 'Truncated frame', desc: 'The masked “Hello” missing its last two bytes', hash: '#decode=818537fa213d7f9f4d' },
    { group: 'Broken input (decoder)', title: 'Mixed roles', desc: 'An unmasked frame, then a masked one: 1002', hash: '#decode=810548656c6c6f818537fa213d7f9f4d5158' },
    { group: 'Broken input (decoder)', title: 'Continuation without a start', desc: 'Nothing to continue: 1002', hash: '#decode=800548656c6c6f' },
    { group: 'Broken input (decoder)', title: 'Close code 1005', desc: '1005 is for reporting only, never on the wire: 1002', hash: '#decode=880203ed' },
  );
  const groups = new Map();
  for (const e of list) {
    if (!groups.has(e.group)) groups.set(e.group, []);
    groups.get(e.group).push(e);
  }
  return [...groups]
    .map(([g, items]) => `<section class="ex-group" aria-label="${esc(g)}"><h2>${esc(g)}</h2><ul class="ex-list">${items
      .map((e) => `<li><a class="ex" href="${e.hash}" data-testid="example"><span class="ex-kind">${e.hash.startsWith('#decode') ? 'Decode' : 'Compose'}</span><span class="ex-title">${esc(e.title)}</span><span class="ex-desc">${esc(e.desc)}</span></a></li>`)
      .join('')}</ul></section>`)
    .join('');
}

// ------------------------------------------------------------------------------------------------ views and routing

const VIEWS = ['compose', 'decode', 'handshake', 'examples'];
let view = 'compose';

function showView(name, { focus = false } = {}) {
  view = name;
  for (const v of VIEWS) {
    $(`view-${v}`).hidden = v !== name;
    const tab = $(`tab-${v}`);
    tab.setAttribute('aria-selected', String(v === name));
    tab.tabIndex = v === name ? 0 : -1;
  }
  if (focus) $(`tab-${name}`).focus();
  hideTip();
}

function route() {
  const p = readHash();
  if (p.has('decode')) {
    showView('decode');
    const bytes = (() => {
      try {
        return parseHex(p.get('decode'));
      } catch {
        return null;
      }
    })();
    $('decode-input').value = bytes ? hexLine(bytes) : p.get('decode');
    document.querySelector('input[name="format"][value="auto"]').checked = true;
    $('deflate').checked = p.get('deflate') !== '0';
    renderDecode({ updateHash: false });
  } else if (p.get('view') === 'handshake') {
    showView('handshake');
    if (p.has('url')) $('hs-url').value = p.get('url');
    if (p.has('key')) $('hs-key').value = p.get('key');
    renderHandshake({ updateHash: false });
  } else if (p.get('view') === 'examples') {
    showView('examples');
  } else {
    showView('compose');
    const s = p.has('op') || p.has('role') ? composeStateFromHash(p) : { ...DEFAULT_COMPOSE, inject: false, code: '', reason: '', compress: false };
    let fixHash = false;
    if (s.role === 'client' && !p.has('mask') && !(p.has('op') || p.has('role'))) s.mask = RFC_KEY;
    else if (s.role === 'client' && !p.has('mask')) {
      s.mask = randomKey();
      fixHash = true;
    }
    setComposeForm(s);
    renderCompose({ updateHash: fixHash });
  }
}

function switchTo(name) {
  if (name === view) return;
  if (name === 'compose') {
    showView('compose');
    renderCompose();
  } else if (name === 'decode') {
    showView('decode');
    if (!$('decode-input').value.trim()) {
      // Start from what the composer shows.
      const codes = [...document.querySelectorAll('#compose-output [data-testid="frame-hex"]')].map((c) => c.textContent);
      $('decode-input').value = codes.join(' ');
    }
    renderDecode();
  } else if (name === 'handshake') {
    showView('handshake');
    renderHandshake();
  } else {
    showView('examples');
    writeHash('#view=examples');
  }
}

function installEvents() {
  // Tabs: click, and arrow keys per the ARIA tabs pattern.
  document.querySelector('.tabs').addEventListener('click', (e) => {
    const tab = e.target.closest('[role="tab"]');
    if (tab) switchTo(tab.dataset.view);
  });
  document.querySelector('.tabs').addEventListener('keydown', (e) => {
    const i = VIEWS.indexOf(view);
    let j = null;
    if (e.key === 'ArrowRight') j = (i + 1) % VIEWS.length;
    if (e.key === 'ArrowLeft') j = (i + VIEWS.length - 1) % VIEWS.length;
    if (e.key === 'Home') j = 0;
    if (e.key === 'End') j = VIEWS.length - 1;
    if (j == null) return;
    e.preventDefault();
    switchTo(VIEWS[j]);
    $(`tab-${VIEWS[j]}`).focus();
  });

  const f = form();
  f.addEventListener('input', () => renderCompose());
  f.addEventListener('change', () => renderCompose());
  f.addEventListener('submit', (e) => e.preventDefault());
  $('mask-random').addEventListener('click', () => {
    $('mask').value = randomKey();
    renderCompose();
  });
  $('copy-link').addEventListener('click', async () => {
    const ok = await copy(location.href);
    $('copy-link-status').textContent = ok ? 'Link copied' : 'Copy the address bar';
    setTimeout(() => ($('copy-link-status').textContent = ''), 2000);
  });

  $('decode-form').addEventListener('submit', (e) => e.preventDefault());
  $('decode-form').addEventListener('input', () => {
    clearTimeout(decodeTimer);
    decodeTimer = setTimeout(() => renderDecode(), 120);
  });
  $('decode-form').addEventListener('change', () => renderDecode());

  $('handshake-form').addEventListener('submit', (e) => e.preventDefault());
  $('handshake-form').addEventListener('input', () => renderHandshake());
  $('hs-generate').addEventListener('click', () => renderHandshake({ generate: true }));

  document.addEventListener('click', async (e) => {
    const t = e.target instanceof Element ? e.target : null;
    const step = t?.closest('[data-step-act]');
    if (step) stepXor(step.dataset.xor, step.dataset.stepAct);
    const copyBtn = t?.closest('[data-copy-text], [data-copy]');
    if (copyBtn) {
      const src = copyBtn.dataset.copy ? $(copyBtn.dataset.copy) : copyBtn.parentElement.querySelector('code');
      const ok = await copy(src.dataset.text ?? src.textContent);
      const was = copyBtn.textContent;
      copyBtn.textContent = ok ? 'Copied' : 'Select + Ctrl+C';
      setTimeout(() => (copyBtn.textContent = was), 1500);
    }
  });

  window.addEventListener('hashchange', () => {
    if (location.hash === lastHash) return;
    route();
  });
  window.addEventListener('popstate', () => route());
}

async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

async function main() {
  installTips();
  try {
    await init();
  } catch (e) {
    $('loading').textContent = `The WebAssembly core did not load (${e.message}). Build it with scripts/build-www.sh.`;
    $('loading').classList.add('error-box');
    return;
  }
  deflate = hybi.deflateSupported();
  $('deflate-field').hidden = !deflate;
  $('loading').remove();
  $('examples').innerHTML = examples();
  installEvents();
  route();
  document.body.dataset.ready = 'true';
}

main();
