// End-to-end tests of the frame inspector (www/) in headless Debian Chromium, driven by playwright-core.
// Run: scripts/build-www.sh && node --test tests/www/
// Starts its own static server on 127.0.0.1 (ephemeral port); saves a screenshot of each view in test-output/www/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../../scripts/serve-www.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SHOTS = `${ROOT}test-output/www`;
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const T = { timeout: 60_000 };

let server;
let base;
let browser;
let page;
const problems = [];
let loads = 0;

before(async () => {
  assert.ok(existsSync(`${ROOT}www/wasm/hybi_codec_bg.wasm`), 'www/wasm/ is missing: run scripts/build-www.sh first');
  mkdirSync(SHOTS, { recursive: true });
  ({ server, url: base } = await startServer({ root: `${ROOT}www`, port: 0 }));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
    timeout: 30_000,
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, reducedMotion: 'reduce' });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  page.on('request', (r) => {
    if (!r.url().startsWith(base) && !r.url().startsWith('data:')) problems.push(`request to another host: ${r.url()}`);
  });
});

after(async () => {
  await browser?.close();
  await new Promise((ok) => (server ? server.close(ok) : ok()));
});

/** A fresh page load on `hash` (the query string forces a real load, not just a hashchange). */
async function open(hash) {
  await page.goto(`${base}?load=${++loads}${hash}`);
  await page.waitForSelector('body[data-ready="true"]');
}

const hexes = (view) => page.$$eval(`#view-${view} [data-testid="frame-hex"]`, (els) => els.map((e) => e.textContent));
const shot = (name) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
const hexOf = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');

test('RFC 6455 §5.7: a masked "Hello" from a client', T, async () => {
  await open('#role=client&op=text&payload=Hello&mask=37fa213d&frag=0');
  assert.deepEqual(await hexes('compose'), ['81 85 37 fa 21 3d 7f 9f 4d 51 58']);
  assert.equal(await page.isVisible('#view-compose'), true);
  // Wire bytes versus payload bytes.
  const summary = await page.textContent('#view-compose [data-testid="summary"]');
  assert.match(summary, /11\s*bytes on the wire/);
  assert.match(summary, /5\s*payload bytes/);
  await shot('compose');
});

test('RFC 6455 §5.7: an unmasked "Hello" from a server', T, async () => {
  await open('#role=server&op=text&payload=Hello&frag=0');
  assert.deepEqual(await hexes('compose'), ['81 05 48 65 6c 6c 6f']);
  assert.equal(await page.isDisabled('#mask'), true);
});

test('frag=3 splits "Hello" into a first frame and a continuation', T, async () => {
  await open('#role=server&op=text&payload=Hello&frag=3');
  assert.deepEqual(await hexes('compose'), ['01 03 48 65 6c', '80 02 6c 6f']);
  const ops = await page.$$eval('#view-compose [data-testid="frame"]', (els) => els.map((e) => e.dataset.opcode));
  assert.deepEqual(ops, ['text', 'continuation']);
});

test('256 and 65536 bytes use the 16-bit and 64-bit length forms; long payloads are collapsed', T, async () => {
  const b256 = hexOf(Uint8Array.from({ length: 256 }, (_, i) => i));
  await open(`#role=server&op=binary&payload=${b256}&frag=0`);
  let [hex] = await hexes('compose');
  assert.ok(hex.startsWith('82 7e 01 00 00 01 02'), hex.slice(0, 40));
  assert.equal(hex.split(' ').length, 4 + 256);

  const b64k = hexOf(Uint8Array.from({ length: 65536 }, (_, i) => i & 0xff));
  await open(`#role=server&op=binary&payload=${b64k}&frag=0`);
  [hex] = await hexes('compose');
  assert.ok(hex.startsWith('82 7f 00 00 00 00 00 01 00 00 00 01 02'), hex.slice(0, 60));
  assert.equal(hex.split(' ').length, 10 + 65536);
  // Collapsed: the header bytes, the first and the last payload bytes, not 65,546 cells.
  const cells = await page.$$eval('#view-compose .grid .byte', (els) => els.length);
  assert.ok(cells > 10 && cells < 100, `${cells} byte cells`);
  const gap = await page.textContent('#view-compose .grid .gap');
  assert.match(gap, /65,472 bytes/);
  await shot('compose-64k');
});

test('inject=ping puts a Ping between the first two fragments', T, async () => {
  await open('#role=server&op=text&payload=Hello&frag=3&inject=ping');
  assert.deepEqual(await hexes('compose'), ['01 03 48 65 6c', '89 00', '80 02 6c 6f']);
  const ops = await page.$$eval('#view-compose [data-testid="frame"]', (els) => els.map((e) => e.dataset.opcode));
  assert.deepEqual(ops, ['text', 'ping', 'continuation']);
  // Masked, the same with a key on every frame.
  await open('#role=client&op=text&payload=Hello&mask=37fa213d&frag=3&inject=ping');
  const masked = await hexes('compose');
  assert.deepEqual(masked.map((h) => h.slice(0, 2)), ['01', '89', '80']);
  assert.equal(masked[1], '89 80 37 fa 21 3d');
  await shot('compose-inject-ping');
});

test('close with code and reason', T, async () => {
  await open('#role=server&op=close&code=1000&reason=bye&frag=0');
  assert.deepEqual(await hexes('compose'), ['88 05 03 e8 62 79 65']);
  // A reason too long for a control frame cannot be sent: the page says why.
  await open(`#role=server&op=close&code=1000&reason=${'x'.repeat(124)}&frag=0`);
  const err = await page.textContent('#compose-error');
  assert.match(err, /close reason of 124 bytes/);
});

const decodeCases = [
  ['a reserved opcode', '830548656c6c6f', /byte 0\b.*reserved opcode 0x3/s, 1002],
  ['a fragmented ping', '090548656c6c6f', /byte 0\b.*fragmented control frame/s, 1002],
  ['invalid UTF-8', '8102c328', /byte 2\b.*invalid UTF-8/s, 1007],
  ['a masked frame after unmasked ones', '810548656c6c6f818537fa213d7f9f4d5158', /byte 8\b.*masked frame from a server/s, 1002],
  ['a continuation without a start', '800548656c6c6f', /byte 0\b.*continuation frame without a message/s, 1002],
  ['close code 1005 on the wire', '880203ed', /byte 2\b.*close code 1005 is not allowed/s, 1002],
];

for (const [name, hex, rule, code] of decodeCases) {
  test(`decoding ${name} shows the rule broken and close code ${code}`, T, async () => {
    await open(`#decode=${hex}`);
    assert.equal(await page.isVisible('#view-decode'), true);
    const text = await page.textContent('#view-decode [data-testid="decode-error"]');
    assert.match(text, rule);
    assert.match(text, new RegExp(`close code ${code}\\b`));
    if (name === 'a reserved opcode') {
      // The offending byte is marked in the grid of bytes that could not be decoded.
      assert.equal(await page.textContent('#view-decode .byte.err'), '83');
      await shot('decode-error');
    }
  });
}

test('a truncated frame says how many bytes are missing', T, async () => {
  await open('#decode=818537fa213d7f9f4d');
  const text = await page.textContent('#view-decode [data-testid="decode-truncated"]');
  assert.match(text, /2 more bytes are still missing/);
  // Cut inside the header, where only a lower bound is known.
  await open('#decode=810548656c6c6f827e01');
  assert.match(await page.textContent('#view-decode [data-testid="decode-truncated"]'), /at least 1 more byte/);
  // Cut where the length is known but the masking key is not: exact.
  await open('#decode=8185 37fa'.replace(' ', ''));
  assert.match(await page.textContent('#view-decode [data-testid="decode-truncated"]'), /7 more bytes are still missing/);
});

test('decode reassembles, unmasks, and reads hex with colons or base64', T, async () => {
  await open('#decode=010348656c89008002 6c6f880203e8'.replace(' ', ''));
  assert.deepEqual(await hexes('decode'), ['01 03 48 65 6c', '89 00', '80 02 6c 6f', '88 02 03 e8']);
  const messages = await page.$$eval('#view-decode [data-testid="message"]', (els) => els.map((e) => e.textContent));
  assert.match(messages[0], /text.*frames 1, 3.*Hello$/s);
  assert.match(messages[1], /ping/);
  assert.match(messages[2], /close.*1000.*normal closure/s);
  assert.ok(await page.isVisible('#view-decode [data-testid="decode-ok"]'));
  await shot('decode');

  // The same masked frame pasted as colon-separated hex, then as base64; the URL follows.
  await page.fill('#decode-input', '81:85:37:FA:21:3D:7F:9F:4D:51:58');
  await page.waitForFunction(() => location.hash === '#decode=818537fa213d7f9f4d5158');
  assert.deepEqual(await hexes('decode'), ['81 85 37 fa 21 3d 7f 9f 4d 51 58']);
  assert.match(await page.textContent('#view-decode [data-testid="message"]'), /Hello$/);
  await page.fill('#decode-input', 'gYU3+iE9f59NUVg=');
  await page.waitForFunction(() => location.hash === '#decode=818537fa213d7f9f4d5158');
  assert.deepEqual(await hexes('decode'), ['81 85 37 fa 21 3d 7f 9f 4d 51 58']);
});

test('permessage-deflate messages are inflated (when the core has deflate)', T, async () => {
  await open('#decode=c107f248cdc9c90700');
  const supported = await page.evaluate(async () => (await import('./wasm/hybi_codec.js')).deflateSupported());
  if (!supported) {
    assert.match(await page.textContent('#view-decode [data-testid="decode-error"]'), /reserved bits/);
    return;
  }
  assert.match(await page.textContent('#view-decode [data-testid="message"]'), /compressed 7 → 5 bytes.*Hello$/s);
  assert.ok(await page.isVisible('#view-decode [data-testid="decode-ok"]'));
});

test('handshake view: dGhlIHNhbXBsZSBub25jZQ== → s3pPLMBiTxaQ9kYGzzhZRbK+xOo=', T, async () => {
  await open('#view=handshake');
  await page.fill('#hs-key', 'dGhlIHNhbXBsZSBub25jZQ==');
  await page.waitForFunction(() => document.querySelector('[data-testid="accept"]').textContent === 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  const request = await page.textContent('[data-testid="handshake-request"]');
  const response = await page.textContent('[data-testid="handshake-response"]');
  assert.match(request, /^GET \/chat HTTP\/1\.1/);
  assert.match(request, /Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==/);
  assert.match(response, /^HTTP\/1\.1 101 Switching Protocols/);
  assert.match(response, /Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/);
  await shot('handshake');
  // Generate draws a fresh key; a key that is not base64 of 16 bytes gets the server's 400.
  await page.click('#hs-generate');
  const key = await page.inputValue('#hs-key');
  assert.match(key, /^[A-Za-z0-9+/]{22}==$/);
  assert.notEqual(key, 'dGhlIHNhbXBsZSBub25jZQ==');
  await page.fill('#hs-key', 'not-a-key');
  await page.waitForFunction(() => document.querySelector('[data-testid="handshake-response"]').textContent.startsWith('HTTP/1.1 400'));
  assert.match(await page.textContent('#hs-error'), /Sec-WebSocket-Key is not base64 of 16 bytes/);
});

test('hovering or focusing a byte explains its field, value and RFC section', T, async () => {
  await open('#role=client&op=text&payload=Hello&mask=37fa213d&frag=0');
  const bytes = page.locator('#view-compose .grid .byte');
  await bytes.nth(0).hover();
  const tip = page.locator('[data-testid="byte-explain"]');
  await tip.waitFor({ state: 'visible' });
  let text = await tip.textContent();
  assert.match(text, /FIN = 1/);
  assert.match(text, /opcode = 0x1: text/);
  assert.match(text, /RFC 6455 §5\.2/);
  await shot('hover');
  await bytes.nth(1).hover();
  text = await tip.textContent();
  assert.match(text, /MASK = 1/);
  assert.match(text, /Payload length = 5/);
  await bytes.nth(2).hover();
  text = await tip.textContent();
  assert.match(text, /Masking key, byte 0/);
  assert.match(text, /RFC 6455 §5\.3/);
  await bytes.nth(8).hover();
  text = await tip.textContent();
  assert.match(text, /Payload byte 2 of 5/);
  assert.match(text, /0x4d = plain 0x6c XOR key\[2 mod 4 = 2\] 0x21/);
  // Keyboard: focus the first byte, move with the arrow keys.
  await page.mouse.move(0, 0);
  await bytes.nth(0).focus();
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), '85');
  await tip.waitFor({ state: 'visible' });
  assert.match(await tip.textContent(), /MASK = 1/);
  // The bit row explains too.
  await page.locator('#view-compose .bitrow .bit').first().hover();
  assert.match(await tip.textContent(), /FIN = 1/);
});

test('the masking step-through applies the key byte by byte', T, async () => {
  await open('#role=client&op=text&payload=Hello&mask=37fa213d&frag=0');
  await page.click('#view-compose [data-step-act="next"]');
  await page.click('#view-compose [data-step-act="next"]');
  const step = await page.textContent('#view-compose .step-text');
  assert.match(step, /i = 1: plain 0x65 'e' XOR key\[1 mod 4 = 1\] 0xfa = wire 0x9f/);
});

test('the URL fragment and the form stay in sync both ways', T, async () => {
  await open('#role=client&op=text&payload=Hello&mask=37fa213d&frag=0');
  await page.fill('#payload', 'Hi there');
  await page.waitForFunction(() => location.hash === '#role=client&op=text&payload=Hi%20there&mask=37fa213d&frag=0');
  await page.fill('#frag', '2');
  await page.check('#inject');
  await page.waitForFunction(() => location.hash.endsWith('&frag=2&inject=ping'));
  assert.equal((await hexes('compose')).length, 5);
  await page.click('#compose-form label:has(input[name="role"][value="server"])');
  await page.waitForFunction(() => location.hash === '#role=server&op=text&payload=Hi%20there&frag=2&inject=ping');
  // The other way: a new fragment updates the form and the frames.
  await page.evaluate(() => (location.hash = '#role=server&op=binary&payload=0102&frag=0'));
  await page.waitForFunction(() => document.querySelector('#op').value === 'binary');
  assert.equal(await page.inputValue('#payload'), '01 02');
  assert.deepEqual(await hexes('compose'), ['82 02 01 02']);
  // A client link without a key gets a random one, written back so the link reproduces the bytes.
  await open('#role=client&op=text&payload=x&frag=0');
  await page.waitForFunction(() => /&mask=[0-9a-f]{8}&/.test(location.hash));
});

test('the examples gallery opens each example in one click', T, async () => {
  await open('#view=examples');
  assert.ok(await page.isVisible('#view-examples'));
  const count = await page.locator('[data-testid="example"]').count();
  assert.ok(count >= 15, `${count} examples`);
  await shot('examples');
  await page.click('[data-testid="example"]:has-text("Ping between fragments")');
  await page.waitForFunction(() => !document.querySelector('#view-compose').hidden);
  const hx = await hexes('compose');
  assert.equal(hx[1], '89 80 37 fa 21 3d');
  await page.goBack();
  await page.waitForFunction(() => !document.querySelector('#view-examples').hidden);
  await page.click('[data-testid="example"]:has-text("64 KiB of binary")');
  await page.waitForFunction(() => document.querySelectorAll('#view-compose [data-testid="frame-hex"]').length === 1);
  assert.ok((await hexes('compose'))[0].startsWith('82 7f 00 00 00 00 00 01 00 00'));
});

test('tabs are keyboard accessible and every control is labelled', T, async () => {
  await open('');
  assert.deepEqual(await hexes('compose'), ['81 85 37 fa 21 3d 7f 9f 4d 51 58']);
  await page.focus('#tab-compose');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-decode');
  assert.ok(await page.isVisible('#view-decode'));
  await page.keyboard.press('ArrowRight');
  assert.ok(await page.isVisible('#view-handshake'));
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll('input, select, textarea, button')]
      .filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || el.textContent.trim() || el.closest('label')))
      .map((el) => el.outerHTML.slice(0, 80)),
  );
  assert.deepEqual(unlabelled, []);
});

test('no console errors, failed requests or requests to another host', async () => {
  assert.deepEqual(problems, []);
});
