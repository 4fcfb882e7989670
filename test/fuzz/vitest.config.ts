// `npm run fuzz`: the long randomized campaign (test/fuzz/campaign.fuzz.ts), run
// by vitest for its TypeScript support, outside the CI projects.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: [process.env.FUZZ_FILE ?? 'test/fuzz/campaign.fuzz.ts'],
    testTimeout: 0,
    hookTimeout: 0,
    reporters: ['default'],
  },
});
