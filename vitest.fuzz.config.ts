import { defineConfig } from "vitest/config"
import base from "./vitest.config.js"

/**
 * `pnpm fuzz`: the fuzz targets of `pnpm test` (`packages/<pkg>/test/fuzz/*.fuzz.test.ts`) with 100,000 cases
 * each instead of 5,000 (`MFC_FUZZ_RUNS`; an explicit value in the environment still wins).
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ["packages/*/test/fuzz/**/*.fuzz.test.ts"],
    env: { MFC_FUZZ_RUNS: process.env.MFC_FUZZ_RUNS ?? "100000" },
    testTimeout: 30 * 60_000
  }
})
