// CPU profiles for the experiments: a script re-runs itself under node
// --cpu-prof (child()), then prints the self time per function of the profile it
// wrote (summarize()): the top functions with their share of the total.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** True in the profiled child (see profileChild). */
export const inProfiledChild = Boolean(process.env.PROFILE_CHILD);

/**
 * Runs `script` (a file: URL) again with `args` under `--cpu-prof`, sampling every
 * 50 µs, so that the profile covers only the measured loop's process; then prints
 * its summary.
 */
export function profileChild(script, args, top = 18) {
  const dir = mkdtempSync(join(tmpdir(), 'framecodec-prof-'));
  execFileSync(
    process.execPath,
    ['--cpu-prof', '--cpu-prof-interval', '50', '--cpu-prof-dir', dir, fileURLToPath(script), ...args],
    { stdio: 'inherit', env: { ...process.env, PROFILE_CHILD: '1' } },
  );
  const file = join(
    dir,
    readdirSync(dir).find((f) => f.endsWith('.cpuprofile')),
  );
  summarize(JSON.parse(readFileSync(file, 'utf8')), file, top);
}

export function summarize(profile, file, top = 18) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas;
  let total = 0;
  profile.samples.forEach((id, k) => {
    const f = nodes.get(id).callFrame;
    const where = f.url ? `${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
    const t = dt[k] ?? 0;
    self.set(key, (self.get(key) ?? 0) + t);
    total += t;
  });
  console.log(`profile ${file}\nself time by function (top ${top} of ${(total / 1000).toFixed(0)} ms):`);
  [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .forEach(([k, t]) => {
      console.log(`  ${((t / total) * 100).toFixed(1).padStart(5)}%  ${k}`);
    });
}
