// CPU time of this process in ns (user + system). On a shared, loaded machine it
// counts the work done rather than the time other processes held the CPU.
// Resolution is about a microsecond, so time batches of at least a millisecond.
export function cpuNs() {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

/** Median of a list of numbers. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Interleaved rounds: each round times every contender once, the order rotating,
 * each for at least 25 ms of CPU time, after two rounds of warm-up. `run(name)`
 * runs one contender once (and checks what it gave). Returns, per contender, the
 * CPU ns per run of each round.
 */
export async function interleaved(names, rounds, run) {
  const samples = Object.fromEntries(names.map((k) => [k, []]));
  for (let r = -2; r < rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + Math.max(r, 0)) % names.length];
      const t0 = cpuNs();
      let runs = 0;
      do {
        await run(name);
        runs++;
      } while (cpuNs() - t0 < 25e6);
      if (r >= 0) samples[name].push((cpuNs() - t0) / runs);
    }
  }
  return samples;
}
