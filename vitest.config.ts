// The codec, engine, streams and docs suites run once per engine: FRAMECODEC_BACKEND
// is read at import, so each project gets its own environment. Files under
// test/node/ (real sockets) and test/cli/ (the built program) run once, on the
// default engine.
import { defineConfig } from 'vitest/config';

const engines = ['wasm-simd', 'wasm', 'js'] as const;

export default defineConfig({
  test: {
    projects: [
      ...engines.map((name) => ({
        test: {
          name,
          include: ['test/{codec,engine,streams,docs}/*.test.ts'],
          exclude: ['test/docs/tcp_*.test.ts'],
          env: { FRAMECODEC_BACKEND: name },
        },
      })),
      {
        test: {
          name: 'node',
          include: ['test/{node,cli,interop}/*.test.ts', 'test/docs/tcp_*.test.ts'],
          testTimeout: 30_000,
        },
      },
    ],
  },
});
