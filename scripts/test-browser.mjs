// Runs the browser suite (test/browser/) in headless Chromium. Without a Chromium
// binary it says so and skips, so that `npm test` works on a machine with only
// Node and npm; under CI (CI=true) a missing Chromium is an error instead, since
// .ci/run installs Debian's chromium package first.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  const message = `no Chromium at ${chromium} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
  if (process.env.CI) {
    console.error(`browser suite: ${message}`);
    process.exit(1);
  }
  console.warn(`\n*** browser suite SKIPPED: ${message} ***\n`);
  process.exit(0);
}
const run = spawnSync(process.execPath, ['--test', '--test-reporter=spec', 'test/browser/browser.test.mjs'], {
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
