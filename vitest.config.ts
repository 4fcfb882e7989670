// The whole suite runs once per engine: FRAMECODEC_BACKEND is read at import, so
// each project gets its own environment. Files under test/node/ exercise real
// sockets and the CLI; they run once, on the default engine.
import { defineConfig } from 'vitest/config';

const engines = ['wasm-simd', 'wasm', 'js'] as const;

export default defineConfig({
  test: {
    projects: [
      ...engines.map((name) => ({
        test: {
          name,
          include: ['test/*.test.ts'],
          env: { FRAMECODEC_BACKEND: name },
        },
      })),
      {
        test: {
          name: 'node',
          include: ['test/node/*.test.ts'],
          testTimeout: 30_000,
        },
      },
    ],
  },
});
