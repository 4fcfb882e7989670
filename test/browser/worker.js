// Page script: starts a module worker that uses framecodec (worker_module.js)
// and publishes what it reports as window.__result.
const worker = new Worker('/test/browser/worker_module.js', { type: 'module' });
window.__result = new Promise((resolve, reject) => {
  worker.onmessage = (event) => resolve(event.data);
  worker.onerror = (event) => reject(new Error(`worker error: ${event.message}`));
  setTimeout(() => reject(new Error('the worker did not answer')), 15_000);
});
