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
