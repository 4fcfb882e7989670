// @ts-check
/// <reference lib="deno.ns" />
// Deno: runs the portable conformance suite against the built package (dist/),
// imported as 'framecodec' — resolved, as for any npm package, through
// package.json "exports" (types from its "types" condition). Run by
// `npm run test:deno`, once per engine (FRAMECODEC_BACKEND unset, wasm, js).
import { conformance } from './conformance.js';

const forced = Deno.env.get('FRAMECODEC_BACKEND');
for (const { name, fn } of conformance({ backend: forced ?? 'wasm-simd', webAssembly: true })) {
  Deno.test(forced ? `${name} [${forced}]` : name, fn);
}

Deno.test("'npm:framecodec' is the same module as 'framecodec'", async () => {
  const [viaNpm, bare] = await Promise.all([import('npm:framecodec'), import('framecodec')]);
  if (viaNpm.LineDecoder !== bare.LineDecoder) throw new Error('npm:framecodec and framecodec are different modules');
});
