// Builds dist/: ESM (.js) and CommonJS (.cjs) for each entry, plus bundled .d.ts
// (and .d.cts copies for require). The WebAssembly is inlined by
// src/engine/_wasm.generated.ts (npm run build:wasm), so dist/ is self-contained.
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

// dist/<name>.js <- source. `index` is the universal entry, `node` framecodec/node, `cli` the program.
const sources = { index: 'src/index.ts', node: 'src/node/index.ts', cli: 'src/cli/main.ts' };
const input = sources;
const external = [/^node:/];
// Modules of the universal entry form one shared chunk, dist/shared/core.*, so that
// framecodec and framecodec/node share one engine. The folder tells them apart:
// src/node/ and src/cli/ are Node-only; the rest of src/ (and assembly/abi.ts) is universal.
const universal = (id) => /\/(src|assembly)\//.test(id) && !/\/src\/(node|cli)\//.test(id);
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
    input: { index: sources.index, node: sources.node },
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
