// A static HTTP server for the browser suite, bound to 127.0.0.1 on a free port.
//
//   /dist/…, /test/…                     files of this repository
//   /node_modules/{fast-check,pure-rand}/… the test dependencies a page imports
//   /page/<script>?<params>               an HTML page that runs /test/browser/<script>.js
//                                         under an import map resolving 'framecodec'
//                                         to /dist/index.js, as a user's page would
//
// Page parameters: `csp=1` sends a Content-Security-Policy without
// 'wasm-unsafe-eval' (WebAssembly compilation is refused); `nowasm=1` deletes
// globalThis.WebAssembly before any module runs. Other parameters are left for
// the page's script to read.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.ts': 'text/plain; charset=utf-8',
};

/** Import map entries: the package under test and the test dependencies (pure-rand by its "exports"). */
function importMap(root) {
  const imports = {
    framecodec: '/dist/index.js',
    'fast-check': '/node_modules/fast-check/lib/fast-check.js',
  };
  const pureRand = JSON.parse(readFileSync(join(root, 'node_modules/pure-rand/package.json'), 'utf8'));
  for (const [subpath, target] of Object.entries(pureRand.exports)) {
    if (target && typeof target === 'object' && target.import) {
      imports[`pure-rand${subpath.slice(1)}`] = `/node_modules/pure-rand/${target.import.replace(/^\.\//, '')}`;
    }
  }
  return { imports };
}

function page(root, script, params, nonce) {
  const noWasm =
    params.get('nowasm') === '1' ? `<script nonce="${nonce}">delete globalThis.WebAssembly;</script>\n` : '';
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>framecodec: ${script}</title>
${noWasm}<script type="importmap" nonce="${nonce}">${JSON.stringify(importMap(root))}</script>
<script type="module" src="/test/browser/${script}.js" nonce="${nonce}"></script>
</head><body></body></html>`;
}

/**
 * Serves `root`. With `pages: true` it also serves the repository files and
 * generated pages described above; without, it is a plain static server (for a
 * bundler's output). Resolves to { url, close }.
 */
export function serve(root, { pages = false } = {}) {
  const allowed = pages ? ['dist', 'test', 'node_modules/fast-check', 'node_modules/pure-rand'] : [''];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    try {
      if (url.pathname === '/favicon.ico') {
        res.writeHead(204).end();
        return;
      }
      if (pages && url.pathname.startsWith('/page/')) {
        const script = url.pathname.slice('/page/'.length);
        if (!/^[a-z_-]+$/.test(script)) throw Object.assign(new Error('bad page'), { status: 404 });
        const nonce = Math.random().toString(36).slice(2);
        const headers = { 'content-type': TYPES['.html'], 'cache-control': 'no-store' };
        if (url.searchParams.get('csp') === '1') {
          // No 'wasm-unsafe-eval' (nor 'unsafe-eval'): WebAssembly may not be compiled.
          headers['content-security-policy'] =
            `default-src 'self'; script-src 'self' 'nonce-${nonce}'; connect-src 'self' ws://127.0.0.1:*`;
        }
        res.writeHead(200, headers).end(page(root, script, url.searchParams, nonce));
        return;
      }
      let path = decodeURIComponent(url.pathname);
      if (path.endsWith('/')) path += 'index.html';
      const file = normalize(join(root, path));
      const inside = allowed.some((dir) => file.startsWith(join(root, dir) + (dir ? sep : '')));
      if (!file.startsWith(root) || !inside) throw Object.assign(new Error('not served'), { status: 404 });
      const body = await readFile(file);
      res
        .writeHead(200, {
          'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
          'cache-control': 'no-store',
        })
        .end(body);
    } catch (e) {
      const status = e.status ?? (e.code === 'ENOENT' || e.code === 'EISDIR' ? 404 : 500);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(String(e.message));
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
