// Page script, served under a CSP without 'wasm-unsafe-eval': how many times
// framecodec asks to compile WebAssembly (each refusal is a
// `securitypolicyviolation` event, and a report on sites that collect them).
// Query: first=js calls init({ backend: 'js' }) before any decoder exists.
// Publishes { backend, frames, violations, wasmError } as window.__result.
const violations = [];
document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective));

// Violation events are queued as tasks: let them arrive.
const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

async function run() {
  const fc = await import('framecodec');
  if (new URLSearchParams(location.search).get('first') === 'js') await fc.init({ backend: 'js' });
  const decoder = new fc.LineDecoder();
  const frames = [
    ...decoder.decode(new TextEncoder().encode('a\r\nb')),
    ...decoder.decode(new TextEncoder().encode('c\n')),
  ];
  const backend = fc.backend();
  await settle();
  const seen = violations.length; // before init({ backend: 'wasm' }) asks again
  let wasmError = null;
  try {
    await fc.init({ backend: 'wasm' });
  } catch (e) {
    wasmError = { name: e.name, code: e.code, message: e.message, cause: e.cause ? String(e.cause) : null };
  }
  return {
    backend,
    frames: frames.map((f) => new TextDecoder().decode(f)),
    violations: violations.slice(0, seen),
    wasmError,
  };
}

window.__result = run();
