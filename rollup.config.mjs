// Builds dist/: ESM (.js) and CommonJS (.cjs) for each entry, plus bundled .d.ts
// (and .d.cts copies for require). The WebAssembly is inlined by
// src/_wasm.generated.ts (npm run build:wasm), so dist/ is self-contained.
import { existsSync } from 'node:fs';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

const entries = ['index', 'node', 'cli'].filter((name) => existsSync(`src/${name}.ts`));
const input = Object.fromEntries(entries.map((name) => [name, `src/${name}.ts`]));
const external = [/^node:/];
// The CLI entry is executable (package.json "bin").
const shebang = (chunk) => (chunk.name === 'cli' ? '#!/usr/bin/env node' : '');
const ts = () => typescript({ tsconfig: './tsconfig.build.json' });

export default [
  {
    input,
    external,
    plugins: [ts()],
    output: [
      { dir: 'dist', format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js', banner: shebang },
      { dir: 'dist', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: '[name]-[hash].cjs', exports: 'named' },
    ],
  },
  ...['js', 'cts'].map((kind) => ({
    input: Object.fromEntries(entries.filter((e) => e !== 'cli').map((name) => [name, `src/${name}.ts`])),
    external,
    plugins: [dts({ tsconfig: './tsconfig.build.json' })],
    output: { dir: 'dist', format: 'es', entryFileNames: kind === 'js' ? '[name].d.ts' : '[name].d.cts', chunkFileNames: kind === 'js' ? '[name]-[hash].d.ts' : '[name]-[hash].d.cts' },
  })),
];
