import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packagesDir = fileURLToPath(new URL('./packages/', import.meta.url));
/** Tests import packages by their public names; these point them at `src/`, so no build is needed first. */
const alias = Object.fromEntries(
  readdirSync(packagesDir).map((name) => [`@tributary/${name}`, `${packagesDir}${name}/src/index.ts`]),
);

/** In CI each run also writes a JSON report, summed up by scripts/test-summary.mjs into one closing line. */
const reporters = process.env.CI
  ? ['default', ['json', { outputFile: `.tmp/test-reports/vitest-${process.pid}-${Date.now()}.json` }]]
  : ['default'];

export default defineConfig({
  resolve: { alias },
  test: {
    reporters: reporters as never,
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['packages/*/test/unit/**/*.test.ts'],
          setupFiles: ['./test/setup/unit.ts'],
          testTimeout: 20_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration',
          include: ['packages/*/test/integration/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          // Each file starts its own emulators; two cores do not gain from running several at once.
          fileParallelism: false,
        },
      },
    ],
  },
});
