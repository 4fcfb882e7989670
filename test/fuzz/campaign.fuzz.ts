// `npm run fuzz`: a long randomized campaign over every decoder, with the
// invariants of test/fuzz/fuzz.ts. Knobs (environment):
//
//   FUZZ_SECONDS  how long to run (default 120)
//   FUZZ_SEED     the first seed (default: random); each batch uses seed + k
//   FUZZ_SCHEMES  comma-separated subset of length,delimiter,line,fixed,text
//
// It keeps going after a failure (a fresh seed per batch), collects every
// failure with fast-check's seed and path (replay with FUZZ_SEED and the printed
// path in fc.assert) and the harness's reproducer, prints the figures it
// reached, and fails at the end if anything failed.
import fc from 'fast-check';
import { test } from 'vitest';
import { init } from '../../src/index.js';
import { caseArb, checkCase, FULL_PROFILE, hugeCaseArb, SCHEMES, totals, type Scheme } from './fuzz.js';

const seconds = Number(process.env.FUZZ_SECONDS ?? 120);
const firstSeed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const schemes = (process.env.FUZZ_SCHEMES ?? SCHEMES.join(',')).split(',') as Scheme[];
const unknown = schemes.filter((s) => !SCHEMES.includes(s));
if (unknown.length > 0)
  throw new Error(`FUZZ_SCHEMES: no scheme ${unknown.join(', ')} (there are ${SCHEMES.join(', ')})`);
const BATCH = 50;
const HUGE_BATCH = 3;

test(`fuzz campaign: ${seconds} s from seed ${firstSeed}`, async () => {
  const started = Date.now();
  const deadline = started + seconds * 1000;
  const failures: string[] = [];
  const perScheme: Record<string, { cases: number; huge: number }> = {};
  let peakRss = 0;
  let batch = 0;
  const line = (s: string) => process.stdout.write(`${s}\n`);
  line(`fuzz: ${seconds} s, first seed ${firstSeed}, schemes ${schemes.join(',')}`);
  while (Date.now() < deadline) {
    const scheme = schemes[batch % schemes.length];
    const huge = Math.floor(batch / schemes.length) % 4 === 3; // every fourth round of batches is of huge cases
    const seed = firstSeed + batch;
    batch++;
    const before = totals.cases;
    const result = await fc.check(
      huge
        ? fc.asyncProperty(hugeCaseArb(scheme, FULL_PROFILE), (k) => checkCase(k, FULL_PROFILE, FULL_PROFILE.hugeInput))
        : fc.asyncProperty(caseArb(scheme, FULL_PROFILE), (k) => checkCase(k, FULL_PROFILE)),
      {
        seed,
        numRuns: huge ? HUGE_BATCH : BATCH,
        interruptAfterTimeLimit: Math.max(1000, deadline - Date.now() + 60_000), // room to shrink a late failure
        markInterruptAsFailure: false,
      },
    );
    perScheme[scheme] ??= { cases: 0, huge: 0 };
    const s = perScheme[scheme];
    if (huge) s.huge += totals.cases - before;
    else s.cases += totals.cases - before;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    if (result.failed) {
      const error = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
      failures.push(
        `${scheme}${huge ? ' (huge)' : ''}: seed ${result.seed}, path "${result.counterexamplePath}"\n  ${error}`,
      );
      line(`FAILURE ${failures.length}: ${failures[failures.length - 1]}`);
    }
    if (batch % 20 === 0) {
      const elapsed = (Date.now() - started) / 1000;
      line(
        `  ${elapsed.toFixed(0)} s: ${totals.cases} cases, ${(totals.bytes / 2 ** 30).toFixed(2)} GiB fed, ${totals.frames} frames, ${failures.length} failures`,
      );
    }
  }
  await init();
  const elapsed = (Date.now() - started) / 1000;
  line('');
  line(`fuzz campaign: ${elapsed.toFixed(0)} s, seeds ${firstSeed}..${firstSeed + batch - 1}, node ${process.version}`);
  line(
    `  inputs tried      ${totals.cases} (each through 3 engines + a reset re-run; a share also with engines swapped mid-stream)`,
  );
  for (const [name, s] of Object.entries(perScheme)) line(`    ${name.padEnd(10)} ${s.cases} ordinary, ${s.huge} huge`);
  line(`  decoder runs      ${totals.runs}`);
  line(`  bytes fed         ${totals.bytes} (${(totals.bytes / 2 ** 30).toFixed(2)} GiB)`);
  line(`  chunks fed        ${totals.chunks}`);
  line(`  frames decoded    ${totals.frames}`);
  line(`  runs ending in a FramingError ${totals.errors}`);
  line(`  largest buffered  ${totals.maxBuffered} bytes`);
  line(`  work per input byte, worst input of 64 KiB or more:`);
  line(`    scanned ${totals.maxScanRatio.toFixed(2)} (${totals.maxScanCase})`);
  line(`    staged into linear memory ${totals.maxStageRatio.toFixed(2)} (${totals.maxStageCase})`);
  line(`  peak RSS          ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
  line(`  failures          ${failures.length}`);
  for (const f of failures) line(`\n${f}`);
  if (failures.length > 0) throw new Error(`${failures.length} fuzz failures (listed above)`);
});
