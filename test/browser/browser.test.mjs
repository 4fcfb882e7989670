// `npm run test:browser`: the built package in a real headless Chromium, driven by
// playwright-core (never a downloaded browser: Debian's /usr/bin/chromium, or
// CHROMIUM_PATH). Pages come from a local server on 127.0.0.1 (server.mjs).
//
//   1. the portable conformance suite (test/deno/conformance.js) on dist/index.js;
//   2. the same with WebAssembly refused by a CSP without 'wasm-unsafe-eval', and
//      with globalThis.WebAssembly deleted: backend() is 'js', results identical;
//   3. a real WebSocket from a local `ws` server whose messages glue and split
//      frames, decoded exactly (message by message, and through a DecoderStream);
//   4. framedStream() over a WebSocketStream to a local `ws` server: frames that
//      share and span messages, echoed back; a decoder switch; a close inside a frame;
//   5. a module worker using the built file;
//   6. a Vite application importing 'framecodec' installed from `npm pack`, with
//      no plugin or wasm configuration, built and run.
//
// Needs `npm run build` first (the npm script does it).
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { WebSocketServer } from 'ws';
import { LengthFieldDecoder, LineDecoder } from 'framecodec';
import { consumerProject, root } from '../deno/pack.mjs';
import { fingerprint } from '../deno/conformance.js';
import { serve } from './server.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let browser;
let server;

before(async () => {
  if (!existsSync(join(root, 'dist/index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
  server = await serve(root, { pages: true });
  console.log(`# Chromium ${browser.version()}, serving ${server.url}`);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/**
 * Opens `url`, waits for the page's window.__result and returns it. Fails on an
 * uncaught page error or a failed request.
 */
async function resultOf(url, timeout = 30_000) {
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console error: ${m.text()}`));
  try {
    await page.goto(url);
    await page.waitForFunction(() => window.__result !== undefined, null, { timeout });
    const result = await page.evaluate(() => window.__result);
    assert.deepEqual(problems, []);
    return result;
  } catch (e) {
    if (problems.length) e.message += `\n${problems.join('\n')}`;
    throw e;
  } finally {
    await page.close();
  }
}

/** Asserts every conformance case passed, naming those that did not. */
function assertAllPassed(result) {
  const failed = result.results.filter((r) => !r.ok);
  assert.equal(failed.length, 0, failed.map((r) => `${r.name}\n  ${r.error}`).join('\n'));
  assert.ok(result.results.length >= 25, `only ${result.results.length} cases ran`);
}

describe('the conformance suite in Chromium', () => {
  // Computed in Node from the same build: every engine in every runtime must match it.
  const expected = fingerprint();

  test("with WebAssembly: backend() is 'wasm-simd'", { timeout: 60_000 }, async () => {
    const result = await resultOf(`${server.url}/page/conformance?backend=wasm-simd`);
    assertAllPassed(result);
    assert.equal(result.backend, 'wasm-simd');
    assert.ok(
      result.fingerprint === expected,
      'Chromium (wasm-simd) and Node give different frames for the same corpus',
    );
  });

  test("WebAssembly refused by a CSP without 'wasm-unsafe-eval': backend() is 'js', same results", {
    timeout: 60_000,
  }, async () => {
    const result = await resultOf(`${server.url}/page/conformance?csp=1&backend=js&wasm=0`);
    assertAllPassed(result);
    assert.equal(result.backend, 'js');
    assert.equal(result.webAssembly, 'object', 'WebAssembly exists, compiling is what the CSP refuses');
    assert.ok(result.fingerprint === expected, 'the js engine under CSP gives different frames');
  });

  test("under that CSP, WebAssembly is asked for once, and never when init({ backend: 'js' }) comes first", {
    timeout: 30_000,
  }, async () => {
    // The SIMD build is refused, so the scalar build (refused alike) is not tried.
    const lazy = await resultOf(`${server.url}/page/csp?csp=1`);
    assert.deepEqual(lazy.frames, ['a', 'bc']);
    assert.equal(lazy.backend, 'js');
    assert.equal(lazy.violations.length, 1, `violations: ${JSON.stringify(lazy.violations)}`);
    // The engine is chosen on first use, so an early init({ backend: 'js' }) decides alone.
    const first = await resultOf(`${server.url}/page/csp?csp=1&first=js`);
    assert.deepEqual(first.frames, ['a', 'bc']);
    assert.equal(first.backend, 'js');
    assert.deepEqual(first.violations, []);
    // Asking for WebAssembly anyway names the refusal and the way out.
    assert.equal(first.wasmError?.name, 'FramingError');
    assert.equal(first.wasmError?.code, 'ERR_UNSUPPORTED_PLATFORM');
    assert.match(
      first.wasmError.message,
      /^this runtime refused to compile WebAssembly \(CompileError: .+\); a Content-Security-Policy without 'wasm-unsafe-eval' does this: use init\(\{ backend: 'js' \}\)$/,
    );
    assert.match(first.wasmError.cause, /^CompileError: /);
  });

  test("globalThis.WebAssembly deleted before import: backend() is 'js', same results", {
    timeout: 60_000,
  }, async () => {
    const result = await resultOf(`${server.url}/page/conformance?nowasm=1&backend=js&wasm=0`);
    assertAllPassed(result);
    assert.equal(result.backend, 'js');
    assert.equal(result.webAssembly, 'undefined');
    assert.ok(result.fingerprint === expected, 'the js engine without WebAssembly gives different frames');
  });
});

test('in a module worker', { timeout: 30_000 }, async () => {
  const result = await resultOf(`${server.url}/page/worker`);
  assert.deepEqual(result, { backend: 'wasm-simd', lines: ['a', 'b', 'c'], streamed: ['hi', ''] });
});

// ---------------------------------------------------------------------------
// WebSocket end to end.

/** xorshift32: the same script on every run. */
function prng(seed) {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % n;
  };
}

/**
 * What the server sends: payloads framed by hand (4-byte big-endian length, or
 * a CRLF after each line), cut into messages: some end inside a header or
 * between \r and \n, others are 1 to 3 bytes, up to a few hundred (frames
 * glued) or up to 30 KB (frames of 70 KB spanning several messages); one is empty.
 */
function script(scheme, seed = 7) {
  const rand = prng(seed);
  const sizes = Array.from({ length: 160 }, (_, i) =>
    i % 50 === 25 ? 70_000 + rand(1000) : rand(3) === 0 ? rand(20) : rand(2000),
  );
  const payloads = sizes.map((n) =>
    Uint8Array.from({ length: n }, () => (scheme === 'lines' ? 0x20 + rand(95) : rand(256))),
  );
  const parts = [];
  const ends = []; // where each frame ends on the wire
  let length = 0;
  for (const p of payloads) {
    const framed = new Uint8Array(p.length + (scheme === 'length' ? 4 : 2));
    if (scheme === 'length') {
      new DataView(framed.buffer).setUint32(0, p.length);
      framed.set(p, 4);
    } else {
      framed.set(p);
      framed.set([0x0d, 0x0a], p.length);
    }
    parts.push(framed);
    length += framed.length;
    ends.push(length);
  }
  const wire = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    wire.set(part, at);
    at += part.length;
  }
  const messages = [];
  for (let from = 0; from < wire.length; ) {
    const kind = rand(10);
    let to;
    if (kind < 2) {
      // Cut inside the next header (after its first 2 bytes), or between \r and \n.
      const end = ends.find((e) => e > from + 2) ?? wire.length;
      to = scheme === 'length' ? end + 2 : end - 1;
    } else {
      to = from + (kind < 4 ? 1 + rand(3) : kind < 7 ? 4 + rand(300) : 300 + rand(30_000));
    }
    to = Math.min(to, wire.length);
    messages.push(wire.subarray(from, to));
    from = to;
    if (messages.length === 40) messages.push(new Uint8Array(0));
  }
  return { payloads, messages, ends };
}

/** Checks that the script really has glued frames, split frames and split headers or CRLFs. */
function describeScript(scheme, { messages, ends }) {
  let from = 0;
  let glued = 0; // most whole frames in one message
  let splitMarkers = 0; // messages ending inside a header or between \r and \n
  const starts = [0, ...ends.slice(0, -1)];
  const spans = new Map(); // frame index -> messages it touches
  for (const m of messages) {
    const to = from + m.length;
    glued = Math.max(glued, starts.filter((s, i) => s >= from && ends[i] <= to).length);
    starts.forEach((s, i) => {
      if (s < to && ends[i] > from) spans.set(i, (spans.get(i) ?? 0) + 1);
    });
    if (scheme === 'length' ? starts.some((s) => to > s && to < s + 4) : ends.includes(to + 1)) splitMarkers++;
    from = to;
  }
  return { glued, spanned: Math.max(...spans.values()), splitMarkers };
}

describe('WebSocket messages decoded in Chromium', () => {
  let wss;
  const scripts = { length: script('length'), lines: script('lines') };

  before(async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 1024 });
    wss.on('connection', async (ws, req) => {
      const chosen = scripts[req.url.slice(1)];
      if (!chosen) return ws.close(1008, 'unknown scheme');
      for (const m of chosen.messages) {
        await new Promise((resolve, reject) => ws.send(m, { binary: true }, (e) => (e ? reject(e) : resolve())));
      }
      ws.close(1000, 'done');
    });
    await new Promise((resolve) => wss.once('listening', resolve));
  });

  after(async () => {
    for (const client of wss?.clients ?? []) client.terminate();
    await new Promise((resolve) => wss?.close(resolve));
  });

  for (const scheme of ['length', 'lines']) {
    test(`${scheme === 'length' ? 'length-field' : 'CRLF line'} frames that share and span messages`, {
      timeout: 60_000,
    }, async () => {
      const s = scripts[scheme];
      const shape = describeScript(scheme, s);
      assert.ok(shape.glued >= 3, `no message holds 3 frames: ${JSON.stringify(shape)}`);
      assert.ok(shape.spanned >= 3, `no frame spans 3 messages: ${JSON.stringify(shape)}`);
      assert.ok(
        shape.splitMarkers >= 1,
        `no ${scheme === 'length' ? 'header' : 'CRLF'} is split: ${JSON.stringify(shape)}`,
      );
      const { port } = wss.address();
      const result = await resultOf(`${server.url}/page/websocket?port=${port}&scheme=${scheme}`);
      const expected = s.payloads.map((p) => Buffer.from(p).toString('hex'));
      assert.equal(result.direct.length, expected.length, 'frame count (decode per message)');
      assert.ok(
        result.direct.every((f, i) => f === expected[i]),
        'frames differ (decode per message)',
      );
      assert.equal(result.streamed.length, expected.length, 'frame count (DecoderStream)');
      assert.ok(
        result.streamed.every((f, i) => f === expected[i]),
        'frames differ (DecoderStream)',
      );
      console.log(`# ${scheme}: ${s.messages.length} messages, ${expected.length} frames, ${JSON.stringify(shape)}`);
    });
  }
});

// ---------------------------------------------------------------------------
// framedStream() over a WebSocketStream (Chromium has it; a WebSocket has no
// stream pair of its own). The page's code is test/browser/framed_stream.js.

describe('framedStream() over a WebSocketStream in Chromium', () => {
  let wss;
  const scripts = { length: script('length', 11), lines: script('lines', 12) };
  /** Per scheme: the frames the page echoed, decoded here (resolved when all came back). */
  const echoes = {};
  /** Per scheme: the close code the server saw. */
  const closedBy = {};

  /** A line, then 2-byte length-field frames, cut into messages the first of which holds the line and frames. */
  function switchScript() {
    const payloads = [new Uint8Array(0), ...script('length', 13).payloads.slice(0, 40)].map((p) => p.subarray(0, 3000));
    const wire = Buffer.concat([
      Buffer.from('HELLO\r\n'),
      ...payloads.map((p) => Buffer.concat([Buffer.from([p.length >> 8, p.length & 0xff]), p])),
    ]);
    const cuts = [7 + 2 + 3, 7 + 2 + 3 + 1, 2000, 2001, 9000, 20_000, 45_000];
    const messages = [];
    let from = 0;
    for (const to of [...cuts.filter((c) => c < wire.length), wire.length]) {
      messages.push(wire.subarray(from, to));
      from = to;
    }
    return { payloads, messages };
  }
  const switching = switchScript();

  before(async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 1 << 20 });
    wss.on('connection', async (ws, req) => {
      const scheme = req.url.replace('/framed-', '');
      const send = (m) =>
        new Promise((resolve, reject) => ws.send(m, { binary: true }, (e) => (e ? reject(e) : resolve())));
      if (scheme === 'length' || scheme === 'lines') {
        const { payloads, messages } = scripts[scheme];
        const decoder = scheme === 'length' ? new LengthFieldDecoder() : new LineDecoder();
        const back = [];
        echoes[scheme] = new Promise((resolve) => {
          ws.on('message', (data) => {
            back.push(...decoder.decode(new Uint8Array(data)).map((f) => Buffer.from(f).toString('hex')));
            if (back.length === payloads.length) {
              resolve(back);
              ws.close(1000, 'done');
            }
          });
        });
        for (const m of messages) await send(m);
      } else if (scheme === 'switch') {
        for (const m of switching.messages) await send(m);
        ws.close(1000, 'done');
      } else if (scheme === 'end') {
        // Three frames, then nothing: the page ends its side after the second.
        await send(Uint8Array.of(0, 0, 0, 1, 0x61, 0, 0, 0, 1, 0x62, 0, 0, 0, 1, 0x63));
        ws.on('close', (code) => (closedBy.end = code));
      } else if (scheme === 'truncated') {
        await send(Uint8Array.of(0, 0, 0, 2, 0x68, 0x69, 0, 0, 0, 9, 0x61));
        await send(Uint8Array.of(0x62));
        ws.close(1000, 'done');
      } else {
        ws.close(1008, 'unknown scheme');
      }
    });
    await new Promise((resolve) => wss.once('listening', resolve));
  });

  after(async () => {
    for (const client of wss?.clients ?? []) client.terminate();
    await new Promise((resolve) => wss?.close(resolve));
  });

  const page = (scheme) => resultOf(`${server.url}/page/framed_stream?port=${wss.address().port}&scheme=${scheme}`);

  for (const scheme of ['length', 'lines']) {
    test(`${scheme === 'length' ? 'length-field' : 'CRLF line'} frames that share and span messages, echoed back with write()`, {
      timeout: 60_000,
    }, async () => {
      const s = scripts[scheme];
      const shape = describeScript(scheme, s);
      assert.ok(shape.glued >= 3 && shape.spanned >= 3 && shape.splitMarkers >= 1, JSON.stringify(shape));
      const result = await page(scheme);
      const expected = s.payloads.map((p) => Buffer.from(p).toString('hex'));
      assert.equal(result.error, null);
      assert.equal(result.closeCode, 1000);
      assert.equal(result.frames.length, expected.length, 'frame count');
      assert.ok(
        result.frames.every((f, i) => f === expected[i]),
        'frames differ',
      );
      const echoed = await echoes[scheme];
      assert.ok(
        echoed.every((f, i) => f === expected[i]),
        'echoed frames differ',
      );
      console.log(`# framedStream ${scheme}: ${s.messages.length} messages, ${expected.length} frames both ways`);
    });
  }

  test('a line, then length-field frames in the same messages: conn.decoder switched after the line', {
    timeout: 60_000,
  }, async () => {
    const result = await page('switch');
    assert.equal(result.error, null);
    assert.deepEqual(result.frames, [
      Buffer.from('HELLO').toString('hex'),
      ...switching.payloads.map((p) => Buffer.from(p).toString('hex')),
    ]);
  });

  test('end(): a WebSocket has no half-close, so it closes it; the loop ends with the closing handshake', {
    timeout: 30_000,
  }, async () => {
    const result = await page('end');
    console.log(`# end(): ${JSON.stringify(result)}, the server saw close code ${closedBy.end}`);
    assert.equal(result.error, null);
    assert.deepEqual(result.frames, ['61', '62', '63']);
  });

  test('the server closing inside a frame: TruncatedFrameError after the frames before it', {
    timeout: 30_000,
  }, async () => {
    const result = await page('truncated');
    assert.deepEqual(result.frames, ['6869']);
    assert.deepEqual(result.error, {
      name: 'TruncatedFrameError',
      code: 'ERR_TRUNCATED_FRAME',
      partial: '000000096162',
    });
  });
});

// ---------------------------------------------------------------------------
// Bundler.

describe('a Vite application', () => {
  test("imports 'framecodec' with no plugin or wasm config; the build runs with wasm-simd", {
    timeout: 90_000,
  }, async () => {
    const dir = consumerProject('vite');
    try {
      for (const file of ['index.html', 'main.js'])
        cpSync(join(root, 'test/browser/vite-consumer', file), join(dir, file));
      await build({ root: dir, configFile: false, logLevel: 'warn', build: { outDir: join(dir, 'dist') } });
      const assets = readdirSync(join(dir, 'dist/assets'));
      assert.ok(
        assets.every((f) => f.endsWith('.js')),
        `unexpected assets (the wasm should be inlined): ${assets}`,
      );
      const app = await serve(join(dir, 'dist'));
      try {
        const result = await resultOf(`${app.url}/`);
        assert.deepEqual(result, {
          backend: 'wasm-simd',
          lines: ['one', 'two'],
          viaFrames: ['a', 'bc', ''],
          viaStream: ['x', 'y'],
        });
      } finally {
        await app.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
