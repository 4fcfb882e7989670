// Builds dist/: ESM (.js) and CommonJS (.cjs) for each entry, plus bundled .d.ts
// (and .d.cts copies for require). The WebAssembly is inlined by
// src/_wasm.generated.ts (npm run build:wasm), so dist/ is self-contained.
import { existsSync } from 'node:fs';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

const entries = ['index', 'node', 'cli'].filter((name) => existsSync(`src/${name}.ts`));
const input = Object.fromEntries(entries.map((name) => [name, `src/${name}.ts`]));
const external = [/^node:/];
// Modules of the universal entry form one shared chunk, dist/shared/core.*, so that
// framecodec and framecodec/node share one engine. Node-only modules stay apart.
const universal = (id) => /\/src\/(?!cli|framed|node|socket_states|zero_copy)[^/]+\.ts$/.test(id);
const manualChunks = (id) => (universal(id) ? 'core' : undefined);
// The CLI entry is executable (package.json "bin").
const shebang = (chunk) => (chunk.name === 'cli' ? '#!/usr/bin/env node' : '');
const ts = () => typescript({ tsconfig: './tsconfig.build.json' });

export default [
  {
    input,
    external,
    plugins: [ts()],
    output: [
      {
        dir: 'dist',
        format: 'es',
        entryFileNames: '[name].js',
        chunkFileNames: 'shared/[name].js',
        banner: shebang,
        manualChunks,
      },
      {
        dir: 'dist',
        format: 'cjs',
        entryFileNames: '[name].cjs',
        chunkFileNames: 'shared/[name].cjs',
        exports: 'named',
        manualChunks,
      },
    ],
  },
  ...['js', 'cts'].map((kind) => ({
    input: Object.fromEntries(entries.filter((e) => e !== 'cli').map((name) => [name, `src/${name}.ts`])),
    external,
    plugins: [dts({ tsconfig: './tsconfig.build.json' })],
    output: {
      dir: 'dist',
      format: 'es',
      entryFileNames: kind === 'js' ? '[name].d.ts' : '[name].d.cts',
      chunkFileNames: kind === 'js' ? 'shared/[name].d.ts' : 'shared/[name].d.cts',
      // The decoders declare [Symbol.dispose]; a project whose `lib` predates it
      // (es2022, no skipLibCheck) gets the declaration from here, as @types/node does.
      banner: '/// <reference lib="esnext.disposable" />',
    },
  })),
];
