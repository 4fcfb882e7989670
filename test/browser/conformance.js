// Page script: runs the portable conformance suite (test/deno/conformance.js)
// in Chromium against dist/index.js, imported as 'framecodec' through the page's
// import map. Query: backend=<expected engine>, wasm=0 when WebAssembly is
// blocked or absent. Publishes the outcome as window.__result (a promise).
import { backend } from 'framecodec';
import { conformance, fingerprint } from '/test/deno/conformance.js';

const params = new URLSearchParams(location.search);

async function run() {
  const results = [];
  const cases = conformance({ backend: params.get('backend') ?? 'wasm-simd', webAssembly: params.get('wasm') !== '0' });
  for (const { name, fn } of cases) {
    const started = performance.now();
    try {
      await fn();
      results.push({ name, ok: true, ms: performance.now() - started });
    } catch (e) {
      results.push({
        name,
        ok: false,
        error: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e),
      });
    }
  }
  return {
    backend: backend(),
    webAssembly: typeof WebAssembly,
    results,
    fingerprint: fingerprint(),
  };
}

window.__result = run();
