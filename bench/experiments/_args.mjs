// Command-line options of the experiments: `--name value` pairs among positional
// arguments.

/** The value after `name` in `args`, taken out of it (so that what is left is positional), or `fallback`. */
export function takeOption(args, name, fallback) {
  const k = args.indexOf(name);
  if (k < 0) return fallback;
  const [, value] = args.splice(k, 2);
  return value;
}
