// Self time per function of a V8 CPU profile (node --cpu-prof), printed as the
// experiments print it: the top `top` functions with their share of the total.
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
