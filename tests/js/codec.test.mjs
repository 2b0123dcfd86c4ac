// `hybi/codec`, imported by package name from the packed tarball: encode a fragmented message with a given mask
// key, decode bytes into frames with every field and its byte offsets, unmask, and compute the accept key.
import assert from "node:assert/strict";
import { test } from "node:test";
import { acceptKey, compose, deflateSupported, inspect, mask } from "hybi/codec";

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
const enc = new TextEncoder();

test("accept key and masking (RFC 6455 §4.2.2, §5.7)", () => {
  assert.equal(acceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  const key = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);
  const masked = mask(enc.encode("Hello"), key, 0);
  assert.equal(hex(masked), "7f 9f 4d 51 58");
  assert.equal(new TextDecoder().decode(mask(masked, key, 0)), "Hello");
  assert.equal(hex(mask(enc.encode("lo"), key, 3)), hex(masked.subarray(3)));
});

test("compose: a fragmented, masked message with a Ping between its fragments", () => {
  const key = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);
  const c = compose(true, "text", enc.encode("Hello"), key, 3, true, 0, false);
  assert.equal(c.frames.length, 3);
  assert.equal(hex(c.bytes.subarray(0, 9)), "01 83 37 fa 21 3d 7f 9f 4d");
  assert.deepEqual(c.frames.map((f) => f.opcodeName), ["text", "ping", "continuation"]);
  assert.equal(c.messages[0].text, "Hello");
  const server = compose(false, "text", enc.encode("Hello"), null, 0, false, 0, false);
  assert.equal(hex(server.bytes), "81 05 48 65 6c 6c 6f");
});

test("inspect: every field with its byte offsets, unmasked payloads", () => {
  const bytes = new Uint8Array([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58, 0x89, 0x80, 1, 2, 3, 4]);
  const ins = inspect(bytes, false);
  assert.equal(ins.sender, "client");
  assert.equal(ins.error, null);
  const [f, ping] = ins.frames;
  assert.equal(f.offset, 0);
  assert.equal(f.headerLength, 6);
  assert.equal(f.fin, true);
  assert.equal(f.masked, true);
  assert.equal(hex(f.maskKey), "37 fa 21 3d");
  assert.equal(f.lengthBits, 7);
  assert.equal(f.payloadOffset, 6);
  assert.equal(f.payloadLength, 5);
  assert.equal(new TextDecoder().decode(f.payload), "Hello");
  assert.equal(ping.offset, 11);
  assert.equal(ping.opcodeName, "ping");
  assert.equal(ping.payloadLength, 0);
  // The same Ping unmasked, after a masked frame: a client sent it, so it breaks §5.1.
  const mixed = inspect(new Uint8Array([...bytes.subarray(0, 11), 0x89, 0x00]), false);
  assert.equal(mixed.error.offset, 12); // the byte holding the MASK bit
  assert.equal(mixed.error.closeCode, 1002);
});

test("inspect: errors name the offset, the rule and the close code; truncation says what is missing", () => {
  const bad = inspect(new Uint8Array([0x83, 0x00]), false);
  assert.equal(bad.error.offset, 0);
  assert.equal(bad.error.kind, "ReservedOpcode");
  assert.equal(bad.error.closeCode, 1002);
  const utf8 = inspect(new Uint8Array([0x81, 0x02, 0xc3, 0x28]), false);
  assert.equal(utf8.error.closeCode, 1007);
  const cut = inspect(new Uint8Array([0x82, 0x7e, 0x01, 0x00, 1, 2, 3]), false);
  assert.equal(cut.truncated.missing, 253);
  assert.equal(cut.frames[0].lengthBits, 16);
});

test("inspect inflates permessage-deflate messages (RFC 7692 §7.2.3.1)", () => {
  assert.equal(deflateSupported(), true);
  const ins = inspect(new Uint8Array([0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]), true);
  assert.equal(ins.messages[0].compressed, true);
  assert.equal(ins.messages[0].text, "Hello");
});
